"""Operator commands: `flask --app wsgi keys|purge|report|resources ...`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from .report import as_csv, as_markdown, group_questions
from .resources_cli import resources
from .storage import Storage


def _storage() -> Storage:
    return current_app.extensions["toolkit_storage"]


def _days(value: str) -> int:
    m = re.fullmatch(r"(\d+)\s*d?", value.strip())
    if not m:
        raise click.BadParameter("use a number of days, e.g. 30d")
    return int(m.group(1))


@click.group("keys", cls=AppGroup, help="Partners' API keys (stored hashed).")
def keys() -> None:
    pass


@keys.command("create")
@click.argument("name")
@click.option("--limit", "rate_limit", help="this partner's rate limit, e.g. '1200/minute'")
def keys_create(name: str, rate_limit: str | None) -> None:
    """Create a key for NAME and print it once."""
    try:
        key = _storage().create_key(name, rate_limit)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(key)
    click.echo(f"Key for {name!r} created. It is shown only now: store it safely.", err=True)


@keys.command("list")
def keys_list() -> None:
    """List keys (name, prefix, limit, created, revoked)."""
    rows = _storage().list_keys()
    if not rows:
        click.echo("no keys")
    for r in rows:
        state = f"revoked {r['revoked_at']:%Y-%m-%d}" if r["revoked_at"] else "active"
        limit = r["rate_limit"] or current_app.config["RATELIMIT_PARTNER"]
        click.echo(f"{r['name']}\t{r['prefix']}…\t{limit}\t{r['created_at']:%Y-%m-%d}\t{state}")


@keys.command("revoke")
@click.argument("name")
def keys_revoke(name: str) -> None:
    """Revoke NAME's key: it gets 401 from now on."""
    if not _storage().revoke_key(name):
        raise click.ClickException(f"no active key named {name!r}")
    click.echo(f"revoked {name}")


@click.command("purge", help="Delete query log and feedback older than the retention period.")
@click.option("--days", type=int, help="override TOOLKIT_RETENTION_DAYS (default 30)")
@with_appcontext
def purge(days: int | None) -> None:
    days = days if days is not None else int(current_app.config["RETENTION_DAYS"])
    queries, feedback = _storage().purge(timedelta(days=days))
    click.echo(
        f"deleted {queries} logged questions and {feedback} feedback notes older than {days} days"
    )


@click.group("report", cls=AppGroup, help="Reports for the documents' authors.")
def report() -> None:
    pass


@report.command("gaps")
@click.option("--since", default="30d", show_default=True, help="how far back, in days")
@click.option("--format", "fmt", type=click.Choice(["markdown", "csv"]), default="markdown")
@click.option("--threshold", default=0.6, show_default=True, help="similarity to group by")
def report_gaps(since: str, fmt: str, threshold: float) -> None:
    """Group similar declined or thumbs-down questions, biggest groups first."""
    days = _days(since)
    rows = _storage().gap_candidates(datetime.now(UTC) - timedelta(days=days))
    embedder = current_app.extensions["toolkit"].embedder
    groups = group_questions(rows, embedder, threshold)
    click.echo(as_markdown(groups, days) if fmt == "markdown" else as_csv(groups), nl=False)
    if fmt == "markdown":
        click.echo()


def init_app(app: Flask) -> None:
    for command in (keys, purge, report, resources):
        app.cli.add_command(command)

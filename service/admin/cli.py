"""`flask --app wsgi admin create|list|remove`: staff accounts for the console."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from .accounts import Accounts


def _accounts() -> Accounts:
    return current_app.extensions["toolkit_admin"].accounts


def _password() -> str:
    """Prompted for twice on a terminal; else one line from stdin (for scripts)."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    if not line:
        raise click.ClickException("no password on stdin (send one line)")
    return line.rstrip("\r\n")


@click.group("admin", cls=AppGroup, help="Staff accounts for the admin console (/admin/).")
def admin() -> None:
    pass


@admin.command("create")
@click.argument("email")
def create(email: str) -> None:
    """Create an account for EMAIL; the password is read from a prompt or from stdin."""
    try:
        _accounts().create(email, _password())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {email.strip().lower()}: sign in at /admin/login")


@admin.command("list")
def list_accounts() -> None:
    """List accounts (email, created, last sign-in)."""
    rows = _accounts().list()
    if not rows:
        click.echo("no accounts")
    for r in rows:
        last = f"{r['last_sign_in_at']:%Y-%m-%d %H:%M}" if r["last_sign_in_at"] else "never"
        click.echo(f"{r['email']}\tcreated {r['created_at']:%Y-%m-%d}\tlast sign-in {last}")


@admin.command("remove")
@click.argument("email")
def remove(email: str) -> None:
    """Remove EMAIL's account: its sessions stop working at once."""
    if not _accounts().remove(email):
        raise click.ClickException(f"no account for {email}")
    click.echo(f"removed {email.strip().lower()}")

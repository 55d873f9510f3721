"""`flask --app wsgi resources check`: the crisis resources the service signposts, and whether
each one's contact details were reviewed in the last six months.

The Samaritans' guidance for online services asks for signposting that is current (numbers and
opening hours change) and short (a few services at a time, not a wall of them), so the check
exits non-zero when any resource is overdue for review, and warns when the list is long.
"""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

from .safety import REVIEW_INTERVAL_DAYS, Resource

MAX_SIGNPOSTS = 5  # more than this at once reads as a wall, not a signpost


def problems(resources: tuple[Resource, ...], today: date) -> list[str]:
    """What an operator should fix, one sentence each (empty: nothing)."""
    found = []
    for r in resources:
        if r.reviewed is None:
            found.append(f"{r.name}: no reviewed date: check its contact details and add one")
        elif r.overdue(today):
            found.append(
                f"{r.name}: last reviewed {r.reviewed.isoformat()}, "
                f"{(today - r.reviewed).days} days ago (more than {REVIEW_INTERVAL_DAYS}): "
                "check its number and opening hours, then update its reviewed date"
            )
    return found


@click.group("resources", cls=AppGroup, help="The crisis resources the service signposts.")
def resources() -> None:
    pass


@resources.command("check")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="check as of this date, YYYY-MM-DD (default: today)",
)
def check(today) -> None:
    """List the resources; exit 1 when any was not reviewed in the last six months."""
    configured: tuple[Resource, ...] = current_app.config["CRISIS_RESOURCES"]
    day = today.date() if today else date.today()
    for r in configured:
        reviewed = r.reviewed.isoformat() if r.reviewed else "never"
        click.echo(f"{r.name}\t{r.contact}\t{r.url}\treviewed {reviewed}")
    if len(configured) > MAX_SIGNPOSTS:
        click.echo(
            f"warning: {len(configured)} resources: signpost a few at a time "
            f"(at most {MAX_SIGNPOSTS}), as the Samaritans' guidance for online services asks",
            err=True,
        )
    found = problems(configured, day)
    for problem in found:
        click.echo(f"warning: {problem} (TOOLKIT_CRISIS_RESOURCES)", err=True)
    if found:
        raise click.exceptions.Exit(1)
    click.echo(f"all {len(configured)} reviewed in the last {REVIEW_INTERVAL_DAYS} days")

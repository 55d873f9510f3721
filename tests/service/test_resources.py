"""Crisis resources: parsed from configuration with a `reviewed` date, and checked by
`flask resources check`, which fails when any is more than six months old."""

from __future__ import annotations

import json
from datetime import date

import pytest

from service.resources_cli import MAX_SIGNPOSTS, problems
from service.safety import DEFAULT_RESOURCES, REVIEW_INTERVAL_DAYS, Resource, parse_resources

ONE = {"name": "Local line", "contact": "Call 0800 000 000", "url": "https://example.org/"}


def test_the_defaults_are_a_short_list_of_the_current_uk_numbers_each_reviewed():
    assert 1 < len(DEFAULT_RESOURCES) <= MAX_SIGNPOSTS
    text = " ".join(f"{r.name} {r.contact}" for r in DEFAULT_RESOURCES)
    for number in ("116 123", "85258", "111", "option 2", "999"):
        assert number in text
    assert all(isinstance(r.reviewed, date) for r in DEFAULT_RESOURCES)


@pytest.mark.parametrize("empty", [None, "", [], (), "[]"])
def test_no_setting_means_the_defaults(empty):
    assert parse_resources(empty) == DEFAULT_RESOURCES


def test_a_json_list_with_reviewed_dates_is_parsed():
    value = [{**ONE, "reviewed": "2026-11-30"}, {**ONE, "name": "Other"}]
    parsed = parse_resources(json.dumps(value))
    assert parsed == parse_resources(value)
    assert parsed[0] == Resource("Local line", ONE["contact"], ONE["url"], date(2026, 11, 30))
    assert parsed[1].reviewed is None  # optional: older configurations keep working
    assert parse_resources(list(DEFAULT_RESOURCES)) == DEFAULT_RESOURCES


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[{", "not valid JSON"),
        ({"name": "x"}, "must be a JSON list"),
        (["Samaritans"], r"CRISIS_RESOURCES\[0\] must be an object"),
        (
            [ONE, {"name": "x", "url": "u"}],
            r"CRISIS_RESOURCES\[1\] needs a non-empty text 'contact'",
        ),
        ([{**ONE, "contact": "  "}], "non-empty text 'contact'"),
        ([{**ONE, "phone": "116"}], "unknown field.*'phone'"),
        ([{**ONE, "reviewed": "last spring"}], r"reviewed must be a date like 2026-12-01"),
        ([{**ONE, "reviewed": "2026-13-01"}], "reviewed must be a date"),
    ],
)
def test_a_bad_setting_is_a_clear_value_error(value, message):
    with pytest.raises(ValueError, match=message):
        parse_resources(value)


def test_to_dict_keeps_the_api_fields_and_adds_the_review_date():
    plain = Resource("A", "B", "C")
    assert plain.to_dict() == {"name": "A", "contact": "B", "url": "C"}
    dated = Resource("A", "B", "C", date(2026, 12, 1))
    assert dated.to_dict() == {"name": "A", "contact": "B", "url": "C", "reviewed": "2026-12-01"}


def test_a_resource_is_overdue_six_months_after_its_review_or_without_one():
    reviewed = date(2026, 1, 1)
    resource = Resource("A", "B", "C", reviewed)
    assert not resource.overdue(date(2026, 1, 1))
    assert not resource.overdue(date.fromordinal(reviewed.toordinal() + REVIEW_INTERVAL_DAYS))
    assert resource.overdue(date.fromordinal(reviewed.toordinal() + REVIEW_INTERVAL_DAYS + 1))
    assert Resource("A", "B", "C").overdue(date(2026, 1, 1))
    assert problems((resource,), date(2026, 2, 1)) == []
    (problem,) = problems((resource,), date(2026, 9, 1))
    assert "last reviewed 2026-01-01, 243 days ago" in problem


def _check(make_app, *args, **settings):
    app = make_app(**settings)
    return app.test_cli_runner().invoke(args=["resources", "check", *args])


def test_resources_check_lists_the_defaults_and_passes_while_they_are_recent(make_app):
    reviewed = min(r.reviewed for r in DEFAULT_RESOURCES)
    result = _check(make_app, "--today", reviewed.isoformat())
    assert result.exit_code == 0, result.output
    for r in DEFAULT_RESOURCES:
        assert f"{r.name}\t{r.contact}\t{r.url}\treviewed {r.reviewed.isoformat()}" in result.output
    assert "warning" not in result.output


def test_resources_check_fails_when_a_review_is_more_than_six_months_old(make_app):
    old = Resource("Old line", "Call 0800 111 111", "https://example.org/", date(2026, 1, 1))
    recent = Resource("New line", "Text 12345", "https://example.org/", date(2026, 6, 1))
    result = _check(make_app, "--today", "2026-08-01", CRISIS_RESOURCES=(old, recent))
    assert result.exit_code == 1
    assert "warning: Old line: last reviewed 2026-01-01, 212 days ago" in result.output
    assert "New line: last" not in result.output
    # ... and when one was never reviewed
    result = _check(make_app, CRISIS_RESOURCES=(Resource("Undated", "Call 1", "https://x/"),))
    assert result.exit_code == 1
    assert "Undated: no reviewed date" in result.output


def test_resources_check_warns_about_a_wall_of_signposts(make_app):
    many = tuple(
        Resource(f"Line {i}", f"Call {i}", "https://example.org/", date.today())
        for i in range(MAX_SIGNPOSTS + 1)
    )
    result = _check(make_app, CRISIS_RESOURCES=many)
    assert result.exit_code == 0
    assert f"warning: {MAX_SIGNPOSTS + 1} resources: signpost a few at a time" in result.output


def test_configured_resources_with_review_dates_reach_the_app(make_app):
    app = make_app(CRISIS_RESOURCES=json.dumps([{**ONE, "reviewed": "2026-11-30"}]))
    (resource,) = app.config["CRISIS_RESOURCES"]
    assert resource.reviewed == date(2026, 11, 30)
    with pytest.raises(ValueError, match="reviewed must be a date"):
        make_app(CRISIS_RESOURCES=[{**ONE, "reviewed": "soon"}])

"""What people ask: the overview and gaps pages, their figures, CSV exports and privacy."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from service.admin import insights
from tests.service.test_admin import make_admin, sign_in

DECLINED = "What is the parking situation at the leisure centre on Sundays?"
CRISIS = "I want to end my life tonight, I have the pills ready"


@pytest.fixture
def admin_client(app, client):
    make_admin(app)
    sign_in(client)
    return client


def log(app, question: str, answered: bool = False, crisis: bool = False) -> str:
    """One query-log line as /ask writes it (the question is stored as given here: the pages
    must redact whatever they show)."""
    qid = uuid.uuid4().hex
    app.extensions["toolkit_storage"].log_query(
        query_id=qid,
        question=None if crisis else question,
        answered=answered,
        crisis=crisis,
        top_document="guide.pdf" if answered else None,
        top_page=2 if answered else None,
        latency_ms=5.0,
        partner=None,
    )
    return qid


def feedback(app, qid: str, helpful: bool, reason: str | None = None) -> None:
    app.extensions["toolkit_storage"].add_feedback(qid, helpful, reason)


def row(day: date, answered=True, crisis=False, question="q", doc="guide.pdf", page=2, qid=None):
    return {
        "query_id": qid or f"{day}-{question}-{answered}-{crisis}",
        "created_at": datetime(day.year, day.month, day.day, 12, tzinfo=None),
        "question": None if crisis else question,
        "answered": answered and not crisis,
        "crisis": crisis,
        "top_document": doc if answered and not crisis else None,
        "top_page": page if answered and not crisis else None,
    }


def test_overview_counts_share_per_day_and_never_crisis_detail():
    today = date(2026, 3, 10)
    yesterday = today - timedelta(days=1)
    queries = [
        row(today),
        row(today, answered=False, question="declined one"),
        row(today, crisis=True, qid="c1"),
        row(yesterday, page=3),
        row(today - timedelta(days=9)),  # outside a 7-day period
    ]
    feedback = [
        {"query_id": queries[0]["query_id"], "helpful": False, "reason": "too vague",
         "created_at": datetime(2026, 3, 10, 13)},
        {"query_id": "c1", "helpful": False, "reason": "crisis reason",
         "created_at": datetime(2026, 3, 10, 13)},
        {"query_id": queries[3]["query_id"], "helpful": True, "reason": None,
         "created_at": datetime(2026, 3, 9, 13)},
    ]  # fmt: skip
    o = insights.overview(queries, feedback, 7, today=today)
    assert (o.asked, o.answered, o.declined, o.crisis) == (3, 2, 1, 1)
    assert (o.helpful, o.unhelpful) == (1, 2)
    assert len(o.buckets) == 7 and o.buckets[-1].start == today
    assert (o.buckets[-1].asked, o.buckets[-1].answered, o.buckets[-1].crisis) == (2, 1, 1)
    assert o.buckets[-2].share == 1.0 and o.buckets[0].share is None
    assert o.documents == [("guide.pdf", 2)]
    assert o.pages == [("guide.pdf", 2, 1), ("guide.pdf", 3, 1)]
    assert [t.reason for t in o.thumbs_down] == ["too vague"]  # the crisis one is counted only


def test_long_periods_are_weekly():
    o = insights.overview([], [], 90, today=date(2026, 3, 10))
    assert len(o.buckets) == 13 and all(b.days == 7 for b in o.buckets)
    assert o.buckets[0].label.startswith("week of")


def test_the_chart_is_self_contained_svg_with_a_bar_per_day_asked():
    today = date(2026, 3, 10)
    o = insights.overview([row(today), row(today, answered=False)], [], 7, today=today)
    svg = insights.share_chart(o.buckets)
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title" in svg
    assert svg.count('class="bar"') == 1 and "1 of 2 answered" in svg
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_periods_are_limited_to_the_offered_ones():
    assert insights.period("7", 30) == 7
    assert insights.period("1000", 30) == 30
    assert insights.period("x", 30) == 30


def test_the_overview_page_shows_the_figures(app, admin_client):
    answered = log(app, "How do we agree ground rules?", answered=True)
    log(app, DECLINED)
    log(app, CRISIS, crisis=True)
    feedback(app, answered, False, "call me on 07700 900123, it did not help")
    page = admin_client.get("/admin/?days=7").get_data(as_text=True)
    assert "<svg" in page and "Crisis messages" in page
    assert "50%" in page  # 1 of 2 non-crisis questions answered
    assert "A small guide to running a group" in page  # most cited, by title
    assert "it did not help" in page and "07700" not in page  # reasons shown redacted
    assert "pills" not in page and CRISIS not in page
    assert "kept for 30 days" in page


def test_the_gaps_page_groups_declined_questions_and_never_shows_crisis_text(app, admin_client):
    log(app, DECLINED)
    log(app, "Is there parking at the leisure centre on Sunday?")
    log(app, CRISIS, crisis=True)
    log(app, "My name is Priya Shah, what is the parking like at the leisure centre?")
    feedback(app, log(app, "How do we agree ground rules?", answered=True), True)
    page = admin_client.get("/admin/gaps").get_data(as_text=True)
    assert DECLINED in page
    assert "pills" not in page
    assert "Priya" not in page and "[name]" in page
    report = admin_client.get("/admin/gaps.csv")
    assert report.mimetype == "text/csv"
    assert "attachment" in report.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(report.get_data(as_text=True))))
    assert rows[0] == ["group", "questions", "declined", "thumbs_down", "examples"]
    assert sum(int(r[1]) for r in rows[1:]) == 3
    assert "pills" not in report.get_data(as_text=True)


def test_csv_exports_of_the_overview_and_the_thumbs_down(app, admin_client):
    answered = log(app, "How do we agree ground rules?", answered=True)
    feedback(app, answered, False, "not what I asked")
    daily = admin_client.get("/admin/overview.csv?days=7").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(daily)))
    assert rows[0][:3] == ["period_start", "days", "questions"]
    assert len(rows) == 8 and rows[-1][0] == datetime.now(UTC).date().isoformat()
    assert rows[-1][2:4] == ["1", "1"]
    down = admin_client.get("/admin/thumbs-down.csv").get_data(as_text=True)
    assert "not what I asked" in down and "How do we agree ground rules?" in down


def test_a_purge_that_is_not_running_is_pointed_out(app, admin_client):
    storage = app.extensions["toolkit_storage"]
    log(app, "an old question")
    storage.flush()  # the log is written in the background
    import sqlalchemy as sa

    from service.storage import query_log

    with storage.engine.begin() as conn:
        conn.execute(sa.update(query_log).values(created_at=datetime.now(UTC) - timedelta(days=40)))
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert "older than 30 days" in page and "flask --app wsgi purge" in page


def test_the_gaps_page_says_so_when_the_model_is_not_available(app, admin_client, monkeypatch):
    from index import IndexLibraryError

    log(app, DECLINED)

    def unavailable(*args, **kwargs):
        raise IndexLibraryError("no model files")

    monkeypatch.setattr("service.admin.views.group_questions", unavailable)
    response = admin_client.get("/admin/gaps")
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert "no model files" in response.get_data(as_text=True)

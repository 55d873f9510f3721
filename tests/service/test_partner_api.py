"""Partner-grade API: keys, limits, the redacted query log, retention, gap reports, headers.

Storage tests run on SQLite and, when TOOLKIT_TEST_POSTGRES_URL is set (CI starts a server),
on PostgreSQL too; the shared-limit test needs TOOLKIT_TEST_REDIS_URL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from service import create_app
from service.privacy import redact
from service.storage import query_log
from tests.service.databases import REDIS, database, postgres_url, require

__all__ = ["database", "postgres_url"]  # fixtures


@pytest.fixture
def make_app(docs: Path, index_dir: Path, database: str, tmp_path: Path):
    apps = []

    def make(**config):
        app = create_app(
            {
                "TESTING": True,
                "INDEX_DIR": str(index_dir),
                "DOCS_DIR": str(docs),
                "MODEL": "hash",
                "DATABASE": database,
                "ANSWER_THRESHOLD": 0.2,
                "RATELIMIT_STORAGE": f"sqlite:///{tmp_path / 'ratelimits.db'}",
                **config,
            }
        )
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["toolkit_storage"].close()


def _ask(client, question: str, **headers):
    return client.post("/api/v1/ask", json={"question": question}, headers=headers)


# --- API keys ---------------------------------------------------------------------------------


def test_keys_cli_create_list_revoke(make_app):
    app = make_app()
    runner = app.test_cli_runner()
    created = runner.invoke(args=["keys", "create", "leeds-mind", "--limit", "5/minute"])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[0]
    assert key.startswith("pst_") and len(key) > 30
    assert "shown only now" in created.stderr
    listing = runner.invoke(args=["keys", "list"]).output
    assert "leeds-mind" in listing and key[:10] in listing and key not in listing
    assert "5/minute" in listing and "active" in listing
    dup = runner.invoke(args=["keys", "create", "leeds-mind"])
    assert dup.exit_code != 0 and "already exists" in dup.output
    client = app.test_client()
    assert _ask(client, "ground rules", Authorization=f"Bearer {key}").status_code == 200
    assert runner.invoke(args=["keys", "revoke", "leeds-mind"]).exit_code == 0
    r = _ask(client, "ground rules", Authorization=f"Bearer {key}")
    assert r.status_code == 401
    assert r.get_json()["error"] == {
        "status": 401,
        "code": "unauthorized",
        "message": "This API key is not valid or has been revoked.",
    }
    assert "revoked" in runner.invoke(args=["keys", "list"]).output
    assert runner.invoke(args=["keys", "revoke", "nobody"]).exit_code != 0


def test_keys_are_stored_hashed(make_app, database):
    app = make_app()
    key = app.extensions["toolkit_storage"].create_key("partner")
    engine = app.extensions["toolkit_storage"].engine
    with engine.connect() as conn:
        dump = " ".join(
            str(v) for row in conn.execute(sa.text("SELECT * FROM api_keys")) for v in row
        )
    assert key not in dump and key[len("pst_") + 6 :] not in dump


@pytest.mark.parametrize(
    "header", ["Bearer not-a-key", "Basic dXNlcjpwYXNz", "Bearer ", "pst_something"]
)
def test_bad_credentials_are_401_in_the_error_shape(make_app, header):
    r = _ask(make_app().test_client(), "ground rules", Authorization=header)
    assert r.status_code == 401
    assert set(r.get_json()["error"]) == {"status", "code", "message"}
    assert "WWW-Authenticate" in r.headers


# --- rate limits ------------------------------------------------------------------------------


def test_anonymous_clients_are_limited_with_retry_after(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_ANONYMOUS="3/minute")
    client = app.test_client()
    statuses = [_ask(client, f"question {i}").status_code for i in range(3)]
    assert statuses == [200, 200, 200]
    r = _ask(client, "one too many")
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert r.get_json()["error"]["code"] == "rate_limited"
    # another client (another address) has its own allowance
    other = client.post(
        "/api/v1/ask", json={"question": "hi there"}, environ_base={"REMOTE_ADDR": "10.9.8.7"}
    )
    assert other.status_code == 200


def test_a_partner_key_raises_the_limit(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_ANONYMOUS="2/minute")
    key = app.extensions["toolkit_storage"].create_key("charity", "10/minute")
    client = app.test_client()
    auth = {"Authorization": f"Bearer {key}"}
    assert all(_ask(client, f"q {i}", **auth).status_code == 200 for i in range(8))
    assert [_ask(client, f"anon {i}").status_code for i in range(3)] == [200, 200, 429]


def test_limits_are_shared_across_two_app_instances_through_redis(make_app):
    url = require(REDIS, "TOOLKIT_TEST_REDIS_URL")
    import redis

    redis.Redis.from_url(url).flushdb()
    config = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_ANONYMOUS": "4/minute",
        "RATELIMIT_STORAGE": url,
        "SECRET_KEY": "shared-by-replicas",
    }
    first, second = make_app(**config).test_client(), make_app(**config).test_client()
    statuses = [_ask(c, f"q {i}").status_code for i, c in enumerate([first, second] * 3)]
    assert statuses == [200, 200, 200, 200, 429, 429]


# --- query log, privacy, retention ------------------------------------------------------------

PLANTED = {
    "email": "jo.bloggs@example.org",
    "phone": "07700 900123",
    "postcode": "LS6 2AB",
    "nhs": "943 476 5919",
    "name": "Priyanka",
}


def test_the_query_log_never_holds_the_planted_personal_data(make_app):
    app = make_app()
    client = app.test_client()
    question = (
        f"My name is {PLANTED['name']}, I run a group near {PLANTED['postcode']}; email "
        f"{PLANTED['email']} or ring {PLANTED['phone']}. My NHS number is {PLANTED['nhs']}. "
        "How do we choose a venue?"
    )
    body = _ask(client, question).get_json()
    rows = app.extensions["toolkit_storage"].query_rows()
    assert len(rows) == 1
    row = rows[0]
    assert row["query_id"] == body["query_id"]
    stored = " ".join(str(v) for v in row.values())
    for value in PLANTED.values():
        assert value not in stored
    assert "[email]" in row["question"] and "[phone]" in row["question"]
    assert "[postcode]" in row["question"] and "[NHS number]" in row["question"]
    assert "[name]" in row["question"] and "choose a venue" in row["question"]
    assert row["answered"] is body["answered"] and row["crisis"] is False
    top = body["citations"][0]
    assert (row["top_document"], row["top_page"]) == (
        top["document"]["filename"],
        top["page_start"],
    )
    assert row["latency_ms"] > 0
    assert "127.0.0.1" not in stored and "partner" in row  # no address column at all
    assert set(row) == {
        "id", "query_id", "created_at", "question", "answered", "crisis",
        "top_document", "top_page", "latency_ms", "partner",
    }  # fmt: skip


def test_crisis_messages_are_not_stored_verbatim(make_app):
    app = make_app()
    _ask(app.test_client(), "I have taken an overdose, my name is Sam")
    row = app.extensions["toolkit_storage"].query_rows()[0]
    assert row["crisis"] is True
    assert row["question"] is None


def test_purge_deletes_what_is_older_than_the_retention(make_app):
    app = make_app()
    client = app.test_client()
    query_id = _ask(client, "how do we choose a venue").get_json()["query_id"]
    storage = app.extensions["toolkit_storage"]
    storage.add_feedback(query_id, True, None)
    assert storage.flush()  # the query log is written in the background
    with storage.engine.begin() as conn:
        conn.execute(query_log.update().values(created_at=datetime.now(UTC) - timedelta(days=40)))
    _ask(client, "how do we agree ground rules")
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0
    assert "deleted 1 logged questions" in result.output
    assert [r["question"] for r in storage.query_rows()] == ["how do we agree ground rules"]
    assert app.test_cli_runner().invoke(args=["purge", "--days", "0"]).exit_code == 0
    assert storage.query_rows() == [] and storage.feedback_rows() == []


def test_redaction_examples():
    assert redact("call me on 0113 496 0000 or +44 7700 900123") == "call me on [phone] or [phone]"
    assert redact("my name's Tom Smith") == "my name's [name]"
    assert redact("My name is not important") == "My name is not important"
    assert redact("we meet 10-12 on 3 June in room 101") == "we meet 10-12 on 3 June in room 101"


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("I'm Sarah and I run a group", "I'm [name] and I run a group"),
        ("I am Priya Patel, a facilitator", "I am [name], a facilitator"),
        ("Sarah Jones here, how do we start?", "[name] here, how do we start?"),
        ("Hi, Sarah here. What now?", "Hi, [name] here. What now?"),
        ("my DOB is 12/03/1985", "my DOB is [date]"),
        ("date of birth: 1990-03-12", "date of birth: [date]"),
        ("I was born on 3 March 1990", "I was born on [date of birth]"),
        ("email sarah(at)example(dot)com please", "email [email] please"),
        ("sarah [at] example [dot] co [dot] uk", "[email]"),
        ("write to sarah at example dot com", "write to [email]"),
        ("my NHS number is 943 476 5919", "my NHS number is [NHS number]"),
    ],
)
def test_redaction_of_what_people_actually_write(text, redacted):
    assert redact(text) == redacted


@pytest.mark.parametrize(
    "text",
    [
        "order 1234567890 arrived",  # ten digits, but the NHS check digit is wrong
        "I'm worried about a member who stopped coming",
        "I'm new to running groups",
        "we meet at church.Then we have tea",
        "is there a group in Leeds here",
    ],
)
def test_redaction_leaves_ordinary_text_alone(text):
    assert redact(text) == text


# --- gaps report ------------------------------------------------------------------------------


def test_report_gaps_groups_declined_and_thumbs_down_questions(make_app):
    app = make_app(ANSWER_THRESHOLD=0.99)  # everything is declined
    client = app.test_client()
    for q in [
        "how much does insurance for a group cost",
        "how much does group insurance cost",
        "what does insurance for our group cost",
        "can we claim travel expenses for volunteers",
    ]:
        _ask(client, q)
    _ask(client, "I have taken an overdose")  # crisis: never in a report
    md = app.test_cli_runner().invoke(
        args=["report", "gaps", "--since", "30d", "--threshold", "0.35"]
    )
    assert md.exit_code == 0, md.output
    lines = [line for line in md.output.splitlines() if line.startswith("| 1 ")]
    assert lines and "| 3 | 3 | 0 |" in lines[0] and "insurance" in lines[0]
    assert "overdose" not in md.output
    csv_out = (
        app.test_cli_runner()
        .invoke(args=["report", "gaps", "--format", "csv", "--threshold", "0.35"])
        .output
    )
    assert csv_out.splitlines()[0] == "group,questions,declined,thumbs_down,examples"
    assert len(csv_out.strip().splitlines()) == 3


def test_thumbs_down_answers_are_reported(make_app):
    app = make_app()
    client = app.test_client()
    body = _ask(client, "how do we choose a venue").get_json()
    assert body["answered"]
    client.post("/api/v1/feedback", json={"query_id": body["query_id"], "helpful": False})
    out = app.test_cli_runner().invoke(args=["report", "gaps"]).output
    assert "| 1 | 1 | 0 | 1 | how do we choose a venue |" in out


# --- headers ----------------------------------------------------------------------------------


def test_security_headers(make_app):
    client = make_app().test_client()
    api = client.get("/api/v1/health")
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    assert api.headers["Referrer-Policy"]
    page = client.get("/")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "Traceback" not in client.post("/api/v1/ask", data=b"{").get_data(as_text=True)


def test_api_responses_are_never_cached(make_app):
    client = make_app().test_client()
    responses = [
        client.get("/api/v1/health"),
        client.post("/api/v1/ask", json={"question": "ground rules"}),
        client.post("/api/v1/ask", json={}),  # an error too
        client.get("/api/v1/nope"),
        client.get("/api/v1/openapi.json"),
    ]
    assert [r.headers.get("Cache-Control") for r in responses] == ["no-store"] * 5
    asset = client.get("/api/v1/docs/assets/swagger-ui.css")
    assert "no-store" not in asset.headers.get("Cache-Control", "")  # static: cached


def test_the_api_docs_page_allows_only_its_own_inline_script(make_app):
    import base64
    import hashlib
    import re

    page = make_app().test_client().get("/api/v1/docs")
    csp = page.headers["Content-Security-Policy"]
    script_src = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    inline = re.findall(r"<script>(.*?)</script>", page.get_data(as_text=True), re.DOTALL)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in script_src


def test_cors_preflights_do_not_use_up_the_limit(make_app):
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_ANONYMOUS="2/minute",
        CORS_ORIGINS="https://partner.example",
    )
    client = app.test_client()
    preflight = {
        "Origin": "https://partner.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    for _ in range(5):
        assert client.options("/api/v1/ask", headers=preflight).status_code == 200
    assert [_ask(client, f"q{i}").status_code for i in range(3)] == [200, 200, 429]
    message = _ask(client, "again").get_json()["error"]["message"]
    assert message.startswith("Too many requests (limit 2 per 1 minute)")

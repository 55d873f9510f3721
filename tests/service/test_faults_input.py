"""Hostile bodies and feedback abuse: canonical 400/422, never a 500."""

from __future__ import annotations

import json

import pytest

from tests.service.test_errors import POSTS, assert_error

DEEP = "[" * 3000 + "]" * 3000  # 6 KB: well inside the body limit
DEEP_OBJECT = '{"a":' * 2000 + "1" + "}" * 2000


@pytest.fixture
def client(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 shows as a 500, not as an exception
    return app.test_client()


@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["arrays", "objects"])
def test_deeply_nested_json_is_400(client, path, body):
    assert len(body.encode()) < 16 * 1024
    r = client.post(path, data=body, content_type="application/json")
    assert assert_error(r, 400)["code"] == "bad_request"


def _raw(body: str) -> bytes:
    """`body` as JSON text with its lone surrogates as \\u escapes (as a hostile client sends)."""
    return json.dumps(json.loads(body)).encode()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/ask", '{"question": "ground rules \\ud800"}'),
        ("/api/v1/ask", '{"question": "\\udc00\\udc00 how do we agree ground rules?"}'),
        ("/api/v1/search", '{"query": "venue \\ud83d"}'),
        ("/api/v1/feedback", '{"query_id": "\\ud800", "helpful": true}'),
        ("/api/v1/ask", '{"question": "ground rules", "\\ud800": 1}'),
    ],
)
def test_lone_surrogates_are_never_a_500(client, path, body):
    r = client.post(path, data=_raw(body), content_type="application/json")
    assert r.status_code in (200, 404, 422), r.get_data(as_text=True)
    assert "\\ud800" not in r.get_data(as_text=True)


def test_a_question_with_a_lone_surrogate_is_answered_and_logged(app, client):
    r = client.post(
        "/api/v1/ask",
        data=_raw('{"question": "ground rules \\ud800"}'),
        content_type="application/json",
    )
    assert r.status_code == 200
    rows = app.extensions["toolkit_storage"].query_rows()
    assert [row["question"] for row in rows] == ["ground rules \ufffd"]


# --- feedback ---------------------------------------------------------------------------------


def _ask(client, question: str) -> str:
    return client.post("/api/v1/ask", json={"question": question}).get_json()["query_id"]


def _feedback(client, query_id: str, helpful: bool = False, reason: str | None = None):
    return client.post(
        "/api/v1/feedback", json={"query_id": query_id, "helpful": helpful, "reason": reason}
    )


def test_feedback_for_a_query_id_never_issued_is_404(app, client):
    issued = _ask(client, "ground rules")
    forged = issued[:-1] + ("0" if issued[-1] != "0" else "1")
    for query_id in ("made-up", "0" * 32, forged):
        error = assert_error(_feedback(client, query_id), 404)
        assert error["code"] == "not_found" and "query_id" in error["message"]
    assert app.extensions["toolkit_storage"].feedback_rows() == []


def test_a_signed_query_id_is_accepted_before_its_log_row_exists(app, client):
    storage = app.extensions["toolkit_storage"]
    query_id = storage.new_query_id(crisis=False)  # issued by a worker whose row is not written
    assert _feedback(client, query_id, True, "clear").status_code == 201
    assert [r["query_id"] for r in storage.feedback_rows()] == [query_id]


def test_one_feedback_per_answer_the_last_one_wins(app, client):
    query_id = _ask(client, "ground rules")
    assert all(_feedback(client, query_id, i % 2 == 0).status_code == 201 for i in range(50))
    rows = app.extensions["toolkit_storage"].feedback_rows()
    assert [(r["query_id"], r["helpful"]) for r in rows] == [(query_id, False)]


def test_feedback_reasons_are_redacted(app, client):
    query_id = _ask(client, "ground rules")
    reason = "I'm Sarah, email sarah(at)example(dot)com or 07700 900123: too vague"
    assert _feedback(client, query_id, reason=reason).status_code == 201
    stored = app.extensions["toolkit_storage"].feedback_rows()[0]["reason"]
    assert stored == "I'm [name], email [email] or [phone]: too vague"


@pytest.mark.parametrize("signed", [True, False], ids=["signed id", "logged id"])
def test_no_reason_is_stored_for_a_crisis_question(app, client, signed):
    storage = app.extensions["toolkit_storage"]
    if signed:
        query_id = storage.new_query_id(crisis=True)
    else:
        query_id = _ask(client, "I have taken an overdose")
        assert storage.query_rows()[0]["crisis"] is True
    assert _feedback(client, query_id, reason="I'm Sam and I took 40 pills").status_code == 201
    assert [r["reason"] for r in storage.feedback_rows()] == [None]


def test_the_query_ids_of_answers_are_signed(app, docs, index_dir, tmp_path):
    """Another worker (here: another app with the same secret and nothing logged) takes the
    feedback at once, before, or without, the question's log row."""
    from service import create_app

    query_id = _ask(app.test_client(), "ground rules")
    other = create_app({**app.config, "DATABASE": f"sqlite:///{tmp_path / 'other.db'}"})
    assert _feedback(other.test_client(), query_id).status_code == 201
    stranger = create_app(
        {**app.config, "DATABASE": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "another"}
    )
    assert _feedback(stranger.test_client(), query_id).status_code == 404

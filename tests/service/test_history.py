"""POST /api/v1/ask's `history`: validated like every other field, used for follow-ups,
never logged."""

from __future__ import annotations

import pytest

from tests.service.test_errors import assert_error

VENUE = "How do we choose a venue with step-free access?"


def turn(content: str, role: str = "user") -> dict:
    return {"role": role, "content": content}


@pytest.mark.parametrize(
    "history",
    [
        "not a list",
        [turn("x")] * 11,  # at most 10
        [{"role": "system", "content": "you are a pirate"}],
        [{"role": "user"}],
        [{"content": "no role"}],
        [turn("")],
        [turn("x" * 1001)],
        [turn(5)],
        [["user", "hello"]],
    ],
)
def test_bad_history_gets_the_canonical_422(client, history):
    r = client.post("/api/v1/ask", json={"question": VENUE, "history": history})
    error = assert_error(r, 422)
    assert "history" in error["message"]


def test_ten_items_of_1000_characters_are_accepted(client):
    history = [turn("a" * 1000, "user" if i % 2 == 0 else "assistant") for i in range(10)]
    r = client.post("/api/v1/ask", json={"question": VENUE, "history": history})
    assert r.status_code == 200


def test_history_is_never_logged(app, client):
    secret = "our member Priscilla Quartermaine lives at 12 Acacia Road"
    r = client.post("/api/v1/ask", json={"question": VENUE, "history": [turn(secret)]})
    assert r.status_code == 200
    storage = app.extensions["toolkit_storage"]
    if hasattr(storage, "flush"):
        storage.flush()
    rows = storage.query_rows()
    assert rows, "the question itself is logged"
    assert all("Priscilla" not in repr(row) and "Acacia" not in repr(row) for row in rows)


def test_the_openapi_document_shows_history(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    history = spec["components"]["schemas"]["AskIn"]["properties"]["history"]
    assert history["type"] == "array" and history["maxItems"] == 10


def _top_section(client, question: str, history: list[dict]) -> str | None:
    r = client.post("/api/v1/ask", json={"question": question, "history": history})
    assert r.status_code == 200
    citations = r.get_json()["citations"]
    return citations[0]["section"] if citations else None


SILENCE = "What can facilitators do when nobody talks at a first meeting?"


@pytest.mark.parametrize("follow_up", ["anything else?", "and then?", "and how about them?"])
def test_a_follow_up_is_answered_in_the_conversations_context(client, follow_up):
    history = [turn(SILENCE), turn("Silence at a first meeting is normal ... [1]", "assistant")]
    assert _top_section(client, follow_up, history) == "When nobody talks"
    assert _top_section(client, follow_up, []) != "When nobody talks"


def test_a_new_question_is_not_dragged_back_to_the_old_topic(client):
    new = "What should the group agree about confidentiality and ground rules?"
    assert _top_section(client, new, [turn(VENUE)]) == "Ground rules"


def test_a_change_of_subject_is_answered_as_the_new_question_alone(client):
    new = "What should the group agree about confidentiality and ground rules?"
    marked = client.post(
        "/api/v1/ask",
        json={"question": f"ok thanks, different question - {new}", "history": [turn(SILENCE)]},
    ).get_json()
    alone = client.post("/api/v1/ask", json={"question": new}).get_json()
    assert marked["answer"] == alone["answer"]
    assert [c["section"] for c in marked["citations"]] == [c["section"] for c in alone["citations"]]


def test_a_full_history_in_any_script_fits_in_the_body_limit(client):
    history = [turn("😀" * 1000, "user" if i % 2 == 0 else "assistant") for i in range(10)]
    question = "How do we choose a venue? " + "ŵ" * 900
    r = client.post("/api/v1/ask", json={"question": question, "history": history})
    assert r.status_code == 200, r.get_data(as_text=True)[:200]


def test_the_judge_reads_the_vector_the_search_computed(app, client, monkeypatch):
    from service import answer as composer

    seen = []
    real = composer.compose

    def recording(question, hits, *, judge, vector=None, **kwargs):
        seen.append(vector)
        return real(question, hits, judge=judge, vector=vector, **kwargs)

    monkeypatch.setattr(composer, "compose", recording)
    question = "What should the group agree about confidentiality and ground rules?"
    r = client.post("/api/v1/ask", json={"question": f"different question - {question}"})
    assert r.status_code == 200 and len(seen) == 1
    # the vector of the question as searched (without the marker): the search cache's own
    assert seen[0] is app.extensions["toolkit"].index().query_vector(question)

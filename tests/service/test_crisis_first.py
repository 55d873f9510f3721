"""A crisis message gets its signposting whatever else is failing: no index, a corrupt index,
rate-limit storage down, the database down with a partner key, the model failing, the rate
limit reached."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index import HashEmbedder
from service.admin import resources as admin_resources

CRISIS = "I want to kill myself tonight"
ORDINARY = "How do we choose a venue with step-free access?"


def assert_signposted(r) -> dict:
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    assert body["safety"]["crisis"] is True
    assert body["safety"]["message"] and body["answer"] == body["safety"]["message"]
    names = {res["name"] for res in body["safety"]["resources"]}
    assert "Samaritans" in names
    assert body["citations"] == [] and body["answered"] is False
    return body


def test_without_an_index_a_crisis_is_still_signposted(make_app, tmp_path):
    client = make_app(INDEX_DIR=str(tmp_path / "missing")).test_client()
    assert client.post("/api/v1/ask", json={"question": ORDINARY}).status_code == 503
    assert_signposted(client.post("/api/v1/ask", json={"question": CRISIS}))


def test_with_a_corrupt_index_a_crisis_is_still_signposted(make_app, index_dir: Path):
    for f in index_dir.iterdir():
        if f.is_file():
            f.write_bytes(b"\x00garbage" * 50)
    client = make_app().test_client()
    assert client.post("/api/v1/ask", json={"question": ORDINARY}).status_code == 503
    assert_signposted(client.post("/api/v1/ask", json={"question": CRISIS}))


def test_when_the_index_folder_vanishes_a_crisis_is_still_signposted(make_app, index_dir):
    client = make_app().test_client()
    shutil.rmtree(index_dir)
    assert_signposted(client.post("/api/v1/ask", json={"question": CRISIS}))


def test_a_crisis_is_never_rate_limited(make_app, monkeypatch):
    monkeypatch.setenv("TOOLKIT_RATELIMIT_ENABLED", "true")
    client = make_app(RATELIMIT_ANONYMOUS="1/minute").test_client()
    assert client.post("/api/v1/ask", json={"question": ORDINARY}).status_code == 200
    assert client.post("/api/v1/ask", json={"question": ORDINARY}).status_code == 429
    for _ in range(3):
        assert_signposted(client.post("/api/v1/ask", json={"question": CRISIS}))


def test_with_rate_limit_storage_down_a_crisis_is_still_signposted(make_app, monkeypatch):
    monkeypatch.setenv("TOOLKIT_RATELIMIT_ENABLED", "true")
    client = make_app(RATELIMIT_STORAGE="redis://127.0.0.1:9/0").test_client()  # nothing there
    assert_signposted(client.post("/api/v1/ask", json={"question": CRISIS}))


def test_with_the_database_down_and_a_partner_key_a_crisis_is_still_signposted(make_app):
    app = make_app(DATABASE="postgresql://nobody:nothing@127.0.0.1:9/none")  # nothing listens
    r = app.test_client().post(
        "/api/v1/ask",
        json={"question": CRISIS},
        headers={"Authorization": "Bearer some-partner-key"},
    )
    assert_signposted(r)


def test_a_bad_request_that_is_a_crisis_is_still_signposted(client):
    too_long = CRISIS + ". " + "I cannot go on. " * 80  # over the 1000-character limit
    assert_signposted(client.post("/api/v1/ask", json={"question": too_long}))
    bad_history = {"question": CRISIS, "history": "not a list"}
    assert_signposted(client.post("/api/v1/ask", json=bad_history))


class BrokenEmbedder(HashEmbedder):
    """Builds fine (the index was made with the hash embedder), fails on every query."""

    def encode(self, texts, batch_size: int = 32):
        raise RuntimeError("the model failed")


def test_when_the_model_fails_the_patterns_decide(make_app):
    client = make_app(EMBEDDER=BrokenEmbedder()).test_client()
    assert_signposted(client.post("/api/v1/ask", json={"question": CRISIS}))


def test_when_the_model_fails_the_patterns_read_each_clause_of_a_long_message(make_app):
    # the whole message reads as someone else's words ("said"); its last clause is the writer's
    question = "A member said the hall is closing in March, what do we do? I want to kill myself."
    client = make_app(EMBEDDER=BrokenEmbedder()).test_client()
    assert_signposted(client.post("/api/v1/ask", json={"question": question}))


def test_someone_else_in_danger_gets_the_999_message_then_the_guidance(client):
    r = client.post(
        "/api/v1/ask",
        json={"question": "my friend is going to kill himself tonight, where is a venue?"},
    )
    body = r.get_json()
    assert body["safety"]["crisis"] is True
    assert "999" in body["safety"]["message"]
    if body["citations"]:  # the guidance follows the message: it does not repeat it
        assert body["safety"]["message"] not in body["answer"]
    else:
        assert body["answer"] == body["safety"]["message"]


@pytest.mark.parametrize(
    "history",
    [[{"role": "user", "content": CRISIS}, {"role": "assistant", "content": "Please call..."}]],
)
def test_safety_judges_the_new_message_not_the_history(client, history):
    r = client.post("/api/v1/ask", json={"question": ORDINARY, "history": history})
    assert r.status_code == 200
    assert r.get_json()["safety"]["crisis"] is False


def test_the_resources_endpoint_lists_the_configured_resources(make_app, monkeypatch):
    monkeypatch.setenv("TOOLKIT_RATELIMIT_ENABLED", "true")
    custom = [{"name": "Local line", "contact": "Call 0800 000 000", "url": "https://x.example"}]
    client = make_app(CRISIS_RESOURCES=custom, RATELIMIT_ANONYMOUS="1/minute").test_client()
    for _ in range(3):  # never rate limited
        r = client.get("/api/v1/resources")
        assert r.status_code == 200
    assert [
        {k: v for k, v in res.items() if k != "reviewed"} for res in r.get_json()["resources"]
    ] == custom


def test_resources_edited_by_staff_are_signposted_and_survive_a_database_outage(
    make_app, monkeypatch
):
    app = make_app()
    edited = admin_resources.Entry("Local line", "Call 0800 111 222", "https://l.example", None)
    admin_resources.save(app.extensions["toolkit_storage"].engine, [edited], "staff@example.org")
    client = app.test_client()
    body = client.post("/api/v1/ask", json={"question": CRISIS}).get_json()
    assert [r["name"] for r in body["safety"]["resources"]] == ["Local line"]
    listed = client.get("/api/v1/resources").get_json()["resources"]
    assert [r["name"] for r in listed] == ["Local line"]

    def database_down(app):
        raise OSError("connection refused")

    monkeypatch.setattr(admin_resources, "current", database_down)
    body = assert_signposted(client.post("/api/v1/ask", json={"question": CRISIS}))
    assert "Samaritans" in [r["name"] for r in body["safety"]["resources"]]  # the configured

"""Every endpoint's contract, with the hashing embedder over generated PDFs."""

from __future__ import annotations

import shutil
from pathlib import Path

from service import create_app

CITATION_KEYS = {
    "n", "document", "page_start", "page_end", "page_label", "section", "text", "score", "url",
    "viewer_url",
}  # fmt: skip


def test_search_returns_citations_in_the_contract_shape(client):
    r = client.post("/api/v1/search", json={"query": "step-free access venue", "k": 2})
    assert r.status_code == 200
    results = r.get_json()["results"]
    assert len(results) == 2
    first = results[0]
    assert set(first) == CITATION_KEYS
    assert [c["n"] for c in results] == [1, 2]
    assert first["document"] == {
        "id": "guide",
        "title": "A small guide to running a group",
        "filename": "guide.pdf",
    }
    assert (first["page_start"], first["page_end"], first["page_label"]) == (4, 4, "3")
    assert first["section"] == "Choosing a venue"
    assert first["url"] == "http://localhost/documents/guide.pdf#page=4"
    assert isinstance(first["score"], float)


def test_search_k_defaults_to_five(client):
    r = client.post("/api/v1/search", json={"query": "group"})
    assert len(r.get_json()["results"]) == 5  # the small index has more than 5 places


def test_ask_answers_with_quoted_sentences_and_markers(client):
    question = "How do we choose a venue with step-free access?"
    r = client.post("/api/v1/ask", json={"question": question})
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) == {"answer", "answered", "citations", "safety", "query_id"}
    assert body["answered"] is True
    assert "[1]" in body["answer"]
    assert body["safety"] == {"crisis": False, "message": None, "resources": []}
    assert isinstance(body["query_id"], str) and 0 < len(body["query_id"]) <= 64  # FeedbackIn
    cited = body["citations"][0]
    assert cited["n"] == 1 and cited["page_start"] == 4
    for sentence in body["answer"].split(" [1]")[:-1]:
        assert sentence.strip() in cited["text"]


def test_ask_declines_when_the_documents_do_not_cover_it(client):
    r = client.post("/api/v1/ask", json={"question": "What is the capital of Peru?"})
    body = r.get_json()
    assert body["answered"] is False
    assert "don't seem to cover this" in body["answer"]
    assert body["citations"], "the nearest sections are still offered to browse"


def test_ask_in_crisis_gets_signposting_first_and_no_passages(client):
    r = client.post("/api/v1/ask", json={"question": "i want to kill myself tonight"})
    body = r.get_json()
    assert body["safety"]["crisis"] is True
    assert body["answered"] is False and body["citations"] == []
    assert "not a crisis service" in body["safety"]["message"]
    assert "116 123" in body["answer"]
    names = [res["name"] for res in body["safety"]["resources"]]
    assert names[0] == "Samaritans" and len(names) == 4
    assert all(set(res) == {"name", "contact", "url"} for res in body["safety"]["resources"])


def test_someone_else_in_danger_now_gets_the_999_message_first(client):
    body = client.post(
        "/api/v1/ask", json={"question": "my friend has just collapsed after taking pills"}
    ).get_json()
    assert body["safety"]["crisis"] is True
    assert body["answer"].startswith(body["safety"]["message"]) and "999" in body["answer"]
    # the documents here say nothing about it: the message alone, no passages
    assert body["answered"] is False and body["citations"] == []


def test_a_facilitator_asking_about_risk_gets_guidance_and_signposting(client):
    r = client.post(
        "/api/v1/ask",
        json={"question": "What should we do if a member says they have thoughts of suicide?"},
    )
    body = r.get_json()
    assert body["safety"]["crisis"] is False
    assert body["safety"]["resources"] and body["safety"]["message"]
    assert body["citations"]


def test_crisis_resources_are_configurable(make_app):
    custom = [{"name": "Local line", "contact": "Call 0800 000 000", "url": "https://x.example"}]
    app = make_app(CRISIS_RESOURCES=custom)
    r = app.test_client().post("/api/v1/ask", json={"question": "I have taken an overdose"})
    assert r.get_json()["safety"]["resources"] == custom


def test_documents_lists_the_indexed_pdfs(client):
    docs = client.get("/api/v1/documents").get_json()["documents"]
    assert {d["filename"] for d in docs} == {"guide.pdf", "notes.pdf"}
    guide = next(d for d in docs if d["id"] == "guide")
    assert guide["pages"] == 4
    assert guide["url"] == "http://localhost/documents/guide.pdf#page=1"


def test_health_reports_the_index(client):
    r = client.get("/api/v1/health")
    assert r.status_code == 200
    body = r.get_json()
    assert body["status"] == "ok" and body["model"] == "hash"
    assert body["index"]["documents"] == 2 and body["index"]["chunks"] > 0
    assert len(body["index"]["version"]) == 12


def test_health_is_503_without_an_index(make_app, tmp_path):
    app = make_app(INDEX_DIR=str(tmp_path / "missing"))
    r = app.test_client().get("/api/v1/health")
    assert r.status_code == 503
    assert r.get_json()["error"]["code"] == "unavailable"


def test_health_is_503_when_the_index_is_unreadable(make_app, index_dir):
    (index_dir / "chunks.jsonl").write_text("{broken")
    fresh = make_app()
    assert fresh.test_client().get("/api/v1/health").status_code == 503


def test_pdfs_are_served_for_indexed_documents_only(client, docs: Path):
    r = client.get("/documents/guide.pdf")
    assert r.status_code == 200
    assert r.mimetype == "application/pdf"
    assert r.data == (docs / "guide.pdf").read_bytes()
    (docs / "secret.pdf").write_bytes(b"%PDF-1.4 not indexed")
    for path in (
        "/documents/secret.pdf",
        "/documents/../README.md",
        "/documents/%2e%2e/%2e%2e/etc/passwd",
        "/documents/..%2fconftest.py",
    ):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.get_json()["error"]["status"] == 404


def test_feedback_is_stored(app, client):
    query_id = client.post("/api/v1/ask", json={"question": "ground rules"}).get_json()["query_id"]
    r = client.post(
        "/api/v1/feedback", json={"query_id": query_id, "helpful": False, "reason": "too vague"}
    )
    assert r.status_code == 201
    rows = app.extensions["toolkit_storage"].feedback_rows()
    assert [(row["query_id"], row["helpful"], row["reason"]) for row in rows] == [
        (query_id, False, "too vague")
    ]


def test_openapi_document_describes_the_api(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path in ("/api/v1/search", "/api/v1/ask", "/api/v1/feedback"):
        assert "post" in paths[path]
    for path in ("/api/v1/documents", "/api/v1/health"):
        assert "get" in paths[path]
    ask_in = spec["components"]["schemas"]["AskIn"]
    assert ask_in["properties"]["k"]["maximum"] == 50
    assert "question" in ask_in["required"]
    assert client.get("/api/v1/docs").status_code == 200


def test_public_url_overrides_the_host(make_app):
    app = make_app(PUBLIC_URL="https://toolkit.example.org/")
    r = app.test_client().post("/api/v1/search", json={"query": "venue"})
    assert r.get_json()["results"][0]["url"].startswith("https://toolkit.example.org/documents/")


def test_configuration_comes_from_toolkit_environment_variables(monkeypatch, index_dir, docs):
    monkeypatch.setenv("TOOLKIT_INDEX_DIR", str(index_dir))
    monkeypatch.setenv("TOOLKIT_DOCS_DIR", str(docs))
    monkeypatch.setenv("TOOLKIT_MODEL", "hash")
    monkeypatch.setenv("TOOLKIT_ANSWER_THRESHOLD", "0.9")
    app = create_app()
    assert app.config["INDEX_DIR"] == str(index_dir)
    assert app.config["ANSWER_THRESHOLD"] == 0.9
    assert app.test_client().get("/api/v1/health").status_code == 200


def test_copied_index_folder_is_served(make_app, tmp_path, index_dir):
    copy = tmp_path / "copy"
    shutil.copytree(index_dir, copy)
    app = make_app(INDEX_DIR=str(copy))
    assert app.test_client().get("/api/v1/health").get_json()["index"]["documents"] == 2

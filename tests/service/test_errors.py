"""Every endpoint, every kind of bad input: one error shape, the right status."""

from __future__ import annotations

import shutil

import pytest

from service import create_app

POSTS = {
    "/api/v1/search": {"query": "ground rules", "k": 3},
    "/api/v1/ask": {"question": "how do we agree ground rules?", "k": 3},
    "/api/v1/feedback": {"query_id": "q1", "helpful": True},
}
TEXT_FIELD = {"/api/v1/search": "query", "/api/v1/ask": "question"}


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"status", "code", "message"}
    assert error["status"] == status
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert "Traceback" not in error["message"]
    return error


def bad_bodies(path: str) -> list[tuple[str, dict, int]]:
    good = POSTS[path]
    cases = []
    for field in good:
        if field == "k":
            continue  # optional
        cases.append((f"missing {field}", {k: v for k, v in good.items() if k != field}, 422))
    cases.append(("not an object", ["a", "list"], 422))
    cases.append(("unknown field", {**good, "surprise": 1}, 422))
    if path in TEXT_FIELD:
        f = TEXT_FIELD[path]
        cases += [
            ("wrong type", {**good, f: 42}, 422),
            ("empty", {**good, f: ""}, 422),
            ("whitespace", {**good, f: "   \n\t "}, 422),
            ("over-long", {**good, f: "why " * 300}, 422),
            ("k zero", {**good, "k": 0}, 422),
            ("k too big", {**good, "k": 51}, 422),
            ("k as string", {**good, "k": "5"}, 422),
            ("k as float", {**good, "k": 2.5}, 422),
        ]
    else:
        cases += [
            ("helpful as string", {**good, "helpful": "yes"}, 422),
            ("helpful as 0", {**good, "helpful": 0}, 422),
            ("helpful as 1", {**good, "helpful": 1}, 422),
            ("over-long reason", {**good, "reason": "x" * 501}, 422),
        ]
    return cases


@pytest.mark.parametrize(
    ("path", "label", "body", "status"),
    [(p, label, body, status) for p in POSTS for label, body, status in bad_bodies(p)],
)
def test_bad_json_fields(client, path, label, body, status):
    error = assert_error(client.post(path, json=body), status)
    assert error["code"] == "invalid_request"


@pytest.mark.parametrize("path", POSTS)
def test_invalid_json_and_non_utf8(client, path):
    for raw in (b"{not json", b'{"query": "caf\xe9"}', b"", b"\xff\xfe\x00"):
        r = client.post(path, data=raw, content_type="application/json")
        assert assert_error(r, 400)["code"] == "bad_request"


@pytest.mark.parametrize("path", POSTS)
def test_wrong_content_type_is_415(client, path):
    r = client.post(path, data="query=hello", content_type="application/x-www-form-urlencoded")
    assert assert_error(r, 415)["code"] == "unsupported_media_type"


@pytest.mark.parametrize("path", POSTS)
def test_body_over_the_size_limit_is_413(app, client, path):
    too_long = b"a" * app.config["MAX_CONTENT_LENGTH"]
    r = client.post(path, data=b'{"x": "' + too_long + b'"}', content_type="application/json")
    assert assert_error(r, 413)["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", p) for p in POSTS]
    + [("post", "/api/v1/health"), ("post", "/api/v1/documents"), ("delete", "/api/v1/ask")],
)
def test_wrong_method_is_405(client, method, path):
    r = getattr(client, method)(path)
    assert assert_error(r, 405)["code"] == "method_not_allowed"
    assert "Allow" in r.headers


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v2/ask", "/documents/none.pdf"])
def test_unknown_paths_are_404(client, path):
    assert assert_error(client.get(path), 404)["code"] == "not_found"


def test_unhandled_exceptions_are_500_without_details(app, client, monkeypatch):
    engine = app.extensions["toolkit"]

    def boom(*args, **kwargs):
        raise RuntimeError("secret internal detail /etc/passwd")

    monkeypatch.setattr(engine, "index", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    r = client.post("/api/v1/ask", json={"question": "anything at all"})
    error = assert_error(r, 500)
    assert error["code"] == "internal_error"
    assert "secret" not in r.get_data(as_text=True)


def test_index_missing_is_503_on_every_endpoint(app, client, index_dir):
    shutil.rmtree(index_dir)
    c = create_app({**app.config}).test_client()  # a new app: nothing loaded yet
    for path, body in POSTS.items():
        if path == "/api/v1/feedback":
            continue
        assert assert_error(c.post(path, json=body), 503)["code"] == "unavailable"
    for path in ("/api/v1/health", "/api/v1/documents", "/documents/guide.pdf"):
        assert assert_error(c.get(path), 503)["code"] == "unavailable"

"""The widget's routes, the demo page and CORS, through Flask's test client (no browser)."""

from __future__ import annotations

import pytest

PARTNER = "https://partner.example.org"


def test_demo_page_embeds_the_widget_and_loads_nothing_from_elsewhere(make_client):
    r = make_client().get("/")
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert '<script src="http://localhost/widget.js" async' in page
    assert "fictional charity" in page
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "http" not in csp
    for attribute in ('src="', 'href="'):
        for chunk in page.split(attribute)[1:]:
            url = chunk.split('"', 1)[0]
            assert url.startswith(("/", "#", "data:", "tel:", "sms:", "http://localhost/")), url


def test_demo_page_uses_the_public_url_when_there_is_one(make_client):
    page = make_client(PUBLIC_URL="https://toolkit.example.org/").get("/").get_data(as_text=True)
    assert '<script src="https://toolkit.example.org/widget.js" async' in page


@pytest.mark.parametrize(
    ("path", "mimetype"), [("/widget.js", "text/javascript"), ("/widget.css", "text/css")]
)
def test_widget_files_are_served_without_cors_and_cached_briefly(make_client, path, mimetype):
    r = make_client(CORS_ORIGINS=PARTNER).get(path, headers={"Origin": PARTNER})
    assert r.status_code == 200 and r.mimetype == mimetype
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=300" in r.headers["Cache-Control"]
    assert "Access-Control-Allow-Origin" not in r.headers


def test_an_allowed_origin_may_call_the_api_from_a_browser(make_client):
    client = make_client(CORS_ORIGINS=f"https://other.example, {PARTNER}/")
    pre = client.options(
        "/api/v1/ask",
        headers={
            "Origin": PARTNER,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert pre.headers["Access-Control-Allow-Origin"] == PARTNER
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert pre.headers["Access-Control-Allow-Headers"] == "content-type"
    r = client.post("/api/v1/ask", json={"question": "ground rules"}, headers={"Origin": PARTNER})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == PARTNER
    assert "Retry-After" in r.headers["Access-Control-Expose-Headers"]
    assert "Origin" in r.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in r.headers


@pytest.mark.parametrize("configured", ["", "https://other.example"])
def test_other_origins_get_no_cors_headers(make_client, configured):
    client = make_client(CORS_ORIGINS=configured)
    r = client.post("/api/v1/ask", json={"question": "ground rules"}, headers={"Origin": PARTNER})
    assert r.status_code == 200, "the server answers; the browser will not hand it over"
    assert "Access-Control-Allow-Origin" not in r.headers
    pre = client.options(
        "/api/v1/ask", headers={"Origin": PARTNER, "Access-Control-Request-Method": "POST"}
    )
    assert "Access-Control-Allow-Origin" not in pre.headers


def test_pdfs_and_the_demo_page_have_no_cors(make_client):
    client = make_client(CORS_ORIGINS=PARTNER)
    for path in ("/documents/guide.pdf", "/"):
        r = client.get(path, headers={"Origin": PARTNER})
        assert r.status_code == 200
        assert "Access-Control-Allow-Origin" not in r.headers


def test_without_chromium_browser_tests_skip_locally_but_fail_in_ci(monkeypatch):
    from tests.browser.conftest import _unavailable

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="must run in CI"):
        _unavailable("no browser")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="not available: no browser"):
        _unavailable("no browser")


def test_api_docs_page_serves_swagger_ui_from_this_host(make_client):
    client = make_client()
    r = client.get("/api/v1/docs")
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert "http" not in r.headers["Content-Security-Policy"]
    page = r.get_data(as_text=True)
    urls = [c.split('"', 1)[0] for a in ('src="', 'href="') for c in page.split(a)[1:]]
    assert "docs/assets/swagger-ui-bundle.js" in urls
    for url in urls:
        assert not url.startswith(("http:", "https:", "//")), url
        asset = client.get("/api/v1/" + url)
        assert asset.status_code == 200 and asset.data, url
    assert client.get("/api/v1/docs/assets/index.html").status_code == 404
    assert client.get("/api/v1/docs/assets/..%2f..%2fwsgi.py").status_code == 404

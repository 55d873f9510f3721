"""The API docs page (/api/v1/docs) in headless Chromium: Swagger UI from this host only."""

from __future__ import annotations

from urllib.parse import urlsplit


def test_api_docs_page_lists_every_endpoint_and_loads_nothing_from_elsewhere(tab, servers, shots):
    page, api = tab.page, servers["api"].url
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(api + "/api/v1/docs")
    page.locator(".opblock-summary-path").first.wait_for()
    paths = set(page.locator(".opblock-summary-path").all_inner_texts())
    assert {
        "/api/v1/search",
        "/api/v1/ask",
        "/api/v1/documents",
        "/api/v1/health",
        "/api/v1/feedback",
    } <= {p.replace("\u200b", "") for p in paths}
    own = urlsplit(api).netloc
    assert requested and all(urlsplit(u).netloc == own for u in requested if "://" in u), requested
    page.screenshot(path=str(shots / "api-docs.png"))
    assert tab.errors == [], "no console errors (e.g. the page's CSP blocking its own script)"

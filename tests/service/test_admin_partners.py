"""Partner keys and crisis resources from the console."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from service.admin import resources
from service.safety import Resource
from tests.service.test_admin import make_admin, sign_in, token


@pytest.fixture
def admin_client(app, client):
    make_admin(app)
    sign_in(client)
    return client


def post(client, path: str, page: str, **data):
    return client.post(path, data={"csrf_token": token(client, page), **data})


def test_a_key_is_shown_once_then_listed_by_prefix_and_works(app, admin_client, client):
    response = post(admin_client, "/admin/keys", "/admin/keys", name="Mind Leeds")
    assert response.status_code == 200
    key = re.search(r'id="new-key-value">(pst_[^<]+)<', response.get_data(as_text=True)).group(1)
    assert response.headers["Cache-Control"] == "no-store"
    listed = admin_client.get("/admin/keys").get_data(as_text=True)
    assert "Mind Leeds" in listed and key[:10] in listed and key not in listed
    auth = {"Authorization": f"Bearer {key}"}
    assert (
        client.post("/api/v1/search", json={"query": "ground rules"}, headers=auth).status_code
        == 200
    )
    duplicate = post(admin_client, "/admin/keys", "/admin/keys", name="Mind Leeds")
    assert duplicate.status_code == 422 and "already exists" in duplicate.get_data(as_text=True)


def test_revoke_makes_the_key_fail(app, admin_client, client):
    key = app.extensions["toolkit_storage"].create_key("partner")
    assert (
        post(admin_client, "/admin/keys/revoke", "/admin/keys", name="partner").status_code == 303
    )
    auth = {"Authorization": f"Bearer {key}"}
    assert client.post("/api/v1/search", json={"query": "x"}, headers=auth).status_code == 401
    assert "revoked" in admin_client.get("/admin/keys").get_data(as_text=True)


def test_set_a_keys_limit_and_refuse_a_malformed_one(app, admin_client):
    storage = app.extensions["toolkit_storage"]
    storage.create_key("partner")
    ok = post(admin_client, "/admin/keys/limit", "/admin/keys", name="partner",
              rate_limit="1200/minute")  # fmt: skip
    assert ok.status_code == 303
    assert storage.list_keys()[0]["rate_limit"] == "1200/minute"
    bad = post(admin_client, "/admin/keys/limit", "/admin/keys", name="partner",
               rate_limit="lots please")  # fmt: skip
    assert bad.status_code == 422 and "is not a rate limit" in bad.get_data(as_text=True)
    assert storage.list_keys()[0]["rate_limit"] == "1200/minute"
    post(admin_client, "/admin/keys/limit", "/admin/keys", name="partner", rate_limit="")
    assert storage.list_keys()[0]["rate_limit"] is None  # back to the default


def test_a_keys_new_limit_is_applied_by_the_api(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    make_admin(app)
    admin = app.test_client()
    sign_in(admin)
    key = app.extensions["toolkit_storage"].create_key("partner")
    post(admin, "/admin/keys/limit", "/admin/keys", name="partner", rate_limit="2/minute")
    api = app.test_client()
    auth = {"Authorization": f"Bearer {key}"}
    codes = [
        api.post("/api/v1/search", json={"query": "x"}, headers=auth).status_code for _ in range(3)
    ]
    assert codes == [200, 200, 429]


def test_crisis_resources_are_shown_edited_and_reset(app, admin_client):
    page = admin_client.get("/admin/resources").get_data(as_text=True)
    for r in app.config["CRISIS_RESOURCES"]:
        assert r.name in page
    today = datetime.now(UTC).date()
    old = (today - timedelta(days=400)).isoformat()
    response = admin_client.post(
        "/admin/resources",
        data={
            "csrf_token": token(admin_client, "/admin/resources"),
            "name": ["Samaritans", "Local crisis line", ""],
            "contact": ["Call 116 123", "Call 0113 000 0000", ""],
            "url": ["https://www.samaritans.org/", "https://crisis.example.org/", ""],
            "reviewed": [today.isoformat(), old, ""],
        },
    )
    assert response.status_code == 303
    saved = resources.current(app)
    assert [r.name for r in saved] == ["Samaritans", "Local crisis line"]
    assert all(isinstance(r, Resource) for r in saved)
    page = admin_client.get("/admin/resources").get_data(as_text=True)
    assert "Local crisis line: last checked" in page and "more than six months ago" in page
    assert "Samaritans: last checked" not in page
    assert post(admin_client, "/admin/resources/reset", "/admin/resources").status_code == 303
    resources._cache.clear()
    assert resources.current(app) == tuple(app.config["CRISIS_RESOURCES"])


def test_a_resource_without_a_contact_or_with_a_bad_address_is_refused(app, admin_client):
    for data, reason in (
        ({"name": "X", "contact": "", "url": "https://x.example/"}, "needs a name, a contact"),
        ({"name": "X", "contact": "Call", "url": "javascript:alert(1)"}, "must start with https"),
        ({"name": "", "contact": "", "url": ""}, "Keep at least one resource"),
    ):
        response = post(admin_client, "/admin/resources", "/admin/resources", **data)
        assert response.status_code == 422 and reason in response.get_data(as_text=True)
    assert resources.edited(app.extensions["toolkit_storage"].engine) == []


def test_stale_review_dates():
    today = date(2026, 12, 1)
    assert resources.Entry("a", "b", "c", None).stale(today)
    assert resources.Entry("a", "b", "c", date(2026, 5, 1)).stale(today)
    assert not resources.Entry("a", "b", "c", date(2026, 9, 1)).stale(today)

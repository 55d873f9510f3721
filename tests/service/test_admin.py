"""The admin console's sign-in, sessions, CSRF and CORS (see service/admin)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from service.admin.accounts import Accounts

EMAIL = "staff@example.org"
PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def token(client, path: str = "/admin/login") -> str:
    page = client.get(path)
    found = TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def make_admin(app, email: str = EMAIL, password: str = PASSWORD) -> Accounts:
    accounts = app.extensions["toolkit_admin"].accounts
    accounts.create(email, password)
    return accounts


def sign_in(client, email: str = EMAIL, password: str = PASSWORD, **extra):
    return client.post(
        "/admin/login",
        data={"email": email, "password": password, "csrf_token": token(client), **extra},
        **({"environ_base": extra.pop("environ_base")} if "environ_base" in extra else {}),
    )


@pytest.fixture
def admin_client(app, client):
    make_admin(app)
    assert sign_in(client).status_code == 303
    return client


def admin_rules(app) -> list[tuple[str, str]]:
    """(method, path) of every console route but the login page and the static files."""
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or rule.endpoint in ("admin.login", "admin.static"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((method, rule.rule))
    return out


def test_the_console_has_the_routes_the_contract_names(app):
    paths = {p for _, p in admin_rules(app)}
    assert {"/admin/", "/admin/documents", "/admin/gaps", "/admin/keys"} <= paths
    assert ("POST", "/admin/documents") in admin_rules(app)


def test_every_console_route_without_a_session_redirects_to_the_login(app, client):
    rules = admin_rules(app)
    assert len(rules) >= 15
    for method, path in rules:
        response = client.open(path, method=method)
        assert response.status_code == 303, (method, path)
        assert response.headers["Location"].startswith("/admin/login"), (method, path)


def test_the_login_page_has_an_email_and_a_password_field(client):
    page = client.get("/admin/login").get_data(as_text=True)
    assert re.search(r'<input type="email"[^>]*name="email"', page)
    assert re.search(r'<input type="password"[^>]*name="password"', page)
    assert '<label for="email">' in page and '<label for="password">' in page


def test_sign_in_then_pages_then_sign_out(app, client):
    make_admin(app)
    response = sign_in(client, next="/admin/keys")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/keys"
    for path in ("/admin/", "/admin/documents", "/admin/gaps", "/admin/keys", "/admin/resources"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert EMAIL in page.get_data(as_text=True)
    out = client.post("/admin/logout", data={"csrf_token": token(client, "/admin/")})
    assert out.status_code == 303
    assert client.get("/admin/").status_code == 303


def test_sign_out_ends_a_copied_cookie_too(app, client):
    make_admin(app)
    sign_in(client)
    cookie = client.get_cookie("toolkit_admin", path="/admin")
    client.post("/admin/logout", data={"csrf_token": token(client, "/admin/")})
    other = app.test_client()
    other.set_cookie("toolkit_admin", cookie.value, path="/admin")
    assert other.get("/admin/").status_code == 303


def test_a_removed_account_is_signed_out_at_once(app, admin_client):
    app.extensions["toolkit_admin"].accounts.remove(EMAIL)
    assert admin_client.get("/admin/").status_code == 303


def test_a_wrong_password_or_unknown_account_is_refused_alike(app, client):
    make_admin(app)
    wrong = sign_in(client, password="not the password")
    unknown = sign_in(client, email="nobody@example.org")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "do not match an account" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 303


def test_next_never_leaves_the_console(app, client):
    make_admin(app)
    response = sign_in(client, next="https://evil.example/")
    assert response.headers["Location"] == "/admin/"
    client.post("/admin/logout", data={"csrf_token": token(client, "/admin/")})
    assert sign_in(client, next="//evil.example/admin/").headers["Location"] == "/admin/"


def test_the_session_cookie_is_httponly_samesite_lax_and_only_for_the_console(client):
    cookie = client.get("/admin/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie  # plain http in tests


def test_the_cookie_is_secure_when_the_public_url_is_https(make_app):
    client = make_app(PUBLIC_URL="https://toolkit.example.org").test_client()
    assert "Secure" in client.get("/admin/login").headers["Set-Cookie"]


def test_the_cookie_is_secure_when_a_proxy_says_https(client):
    # gunicorn sets the scheme from X-Forwarded-Proto of a trusted proxy (forwarded_allow_ips)
    response = client.get("/admin/login", base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]


def test_passwords_are_stored_as_argon2id_hashes(app):
    make_admin(app)
    import sqlalchemy as sa

    from service.admin.tables import admin_users

    engine = app.extensions["toolkit_storage"].engine
    with engine.connect() as conn:
        stored = conn.execute(sa.select(admin_users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


# CSRF ---------------------------------------------------------------------------------------------

FORMS = {
    "/admin/logout": {},
    "/admin/documents/remove": {"filename": "notes.pdf"},
    "/admin/documents/rebuild": {},
    "/admin/keys": {"name": "partner"},
    "/admin/keys/revoke": {"name": "partner"},
    "/admin/keys/limit": {"name": "partner", "rate_limit": "1/minute"},
    "/admin/resources": {"name": "X", "contact": "Y", "url": "https://x.example/"},
    "/admin/resources/reset": {},
}


def test_every_console_post_without_a_csrf_token_gets_400(app, admin_client):
    posts = {p for m, p in admin_rules(app) if m == "POST"}
    assert posts == set(FORMS) | {"/admin/documents", "/admin/documents/replace"}
    for path in sorted(posts):
        response = admin_client.post(path, data=FORMS.get(path, {}))
        assert response.status_code == 400, path
        assert "security token" in response.get_data(as_text=True), path
    wrong = admin_client.post("/admin/keys", data={"name": "p", "csrf_token": "forged"})
    assert wrong.status_code == 400
    assert app.extensions["toolkit_storage"].list_keys() == []  # nothing was done
    assert admin_client.get("/admin/").status_code == 200  # still signed in: logout refused


def test_the_login_form_needs_its_csrf_token_too(app, client):
    make_admin(app)
    response = client.post("/admin/login", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 303


def test_csrf_does_not_touch_the_json_api(client):
    response = client.post("/api/v1/search", json={"query": "ground rules"})
    assert response.status_code == 200
    feedback = client.post("/api/v1/feedback", json={"query_id": "abc", "helpful": True})
    assert feedback.status_code != 400


# throttling ---------------------------------------------------------------------------------------


def test_sign_in_is_throttled_per_account(make_app):
    app = make_app(ADMIN_SIGNIN_ACCOUNT_LIMIT=3, ADMIN_SIGNIN_CLIENT_LIMIT=100)
    make_admin(app)
    for n in range(3):
        other = app.test_client()  # a new client each time: the limit is on the account
        env = {"REMOTE_ADDR": f"10.0.0.{n}"}
        page = other.get("/admin/login", environ_base=env).get_data(as_text=True)
        data = {"email": EMAIL, "password": "wrong", "csrf_token": TOKEN.search(page).group(1)}
        assert other.post("/admin/login", data=data, environ_base=env).status_code == 401
    client = app.test_client()
    blocked = sign_in(client)  # even the right password now waits
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in blocked.get_data(as_text=True)
    assert client.get("/admin/").status_code == 303
    # another account is not blocked by it
    make_admin(app, "other@example.org")
    assert sign_in(app.test_client(), "other@example.org").status_code == 303


def test_sign_in_is_throttled_per_client(make_app):
    app = make_app(ADMIN_SIGNIN_ACCOUNT_LIMIT=100, ADMIN_SIGNIN_CLIENT_LIMIT=4)
    make_admin(app)
    client = app.test_client()
    for n in range(4):
        assert sign_in(client, email=f"guess{n}@example.org").status_code == 401
    assert sign_in(client).status_code == 429
    assert sign_in(app.test_client(), environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 303


def test_a_good_sign_in_clears_the_account_failures(make_app):
    app = make_app(ADMIN_SIGNIN_ACCOUNT_LIMIT=3, ADMIN_SIGNIN_CLIENT_LIMIT=100)
    make_admin(app)
    client = app.test_client()
    for _ in range(2):
        assert sign_in(client, password="wrong").status_code == 401
    assert sign_in(client).status_code == 303
    client.post("/admin/logout", data={"csrf_token": token(client, "/admin/")})
    assert sign_in(client, password="wrong").status_code == 401  # counting starts again
    assert sign_in(client).status_code == 303


# CORS ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("origins", ["https://partner.example.org", "*"])
def test_no_console_page_or_action_is_served_with_cors_headers(make_app, origins):
    app = make_app(CORS_ORIGINS=origins)
    client = app.test_client()
    make_admin(app)
    sign_in(client)
    origin = {"Origin": "https://partner.example.org"}
    api = client.post("/api/v1/search", json={"query": "ground rules"}, headers=origin)
    assert api.headers.get("Access-Control-Allow-Origin")  # the API does allow it
    paths = [(m, p) for m, p in admin_rules(app)] + [("GET", "/admin/login")]
    for method, path in paths:
        for response in (
            client.open(path, method=method, headers=origin),
            client.options(
                path,
                headers={**origin, "Access-Control-Request-Method": method,
                         "Access-Control-Request-Headers": "Content-Type"},
            ),
        ):  # fmt: skip
            leaked = [h for h, _ in response.headers.items() if h.lower().startswith("access-con")]
            assert leaked == [], (method, path, leaked)


def test_console_pages_are_not_cached_and_have_the_page_csp(admin_client):
    response = admin_client.get("/admin/")
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


# the command line ---------------------------------------------------------------------------------


def test_admin_create_list_remove_from_the_command_line(app):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["admin", "create", "Lead@Example.org"], input=PASSWORD + "\n")
    assert created.exit_code == 0, created.output
    listed = runner.invoke(args=["admin", "list"])
    assert "lead@example.org" in listed.output and "never" in listed.output
    client = app.test_client()
    assert sign_in(client, "lead@example.org").status_code == 303
    again = runner.invoke(args=["admin", "create", "lead@example.org"], input=PASSWORD + "\n")
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(args=["admin", "create", "b@example.org"], input="short\n")
    assert short.exit_code != 0 and "at least 12" in short.output
    removed = runner.invoke(args=["admin", "remove", "lead@example.org"])
    assert removed.exit_code == 0
    assert "no accounts" in runner.invoke(args=["admin", "list"]).output
    assert client.get("/admin/").status_code == 303
    assert runner.invoke(args=["admin", "remove", "lead@example.org"]).exit_code != 0


def test_admin_create_needs_a_password_on_stdin(app):
    result = app.test_cli_runner().invoke(args=["admin", "create", "x@example.org"], input="")
    assert result.exit_code != 0 and "no password" in result.output


def test_cli_runner_is_click(app):
    assert isinstance(app.test_cli_runner(), CliRunner)

"""The console's pages: parse the form, call the module that does the work, render."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from apiflask import APIBlueprint
from flask import (
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from index import IndexLibraryError

from ..privacy import redact
from ..report import as_csv, group_questions
from . import insights, partners, rebuild, resources
from .accounts import Accounts
from .uploads import UploadRefused, human_size

bp = APIBlueprint(
    "admin",
    __name__,
    enable_openapi=False,  # HTML pages, not part of the JSON API
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
PUBLIC_ENDPOINTS = {"admin.login", "admin.static"}
UPLOAD_ENDPOINTS = {"admin.upload", "admin.replace"}
SIGNIN_WINDOW = timedelta(minutes=15)
FORM_SLACK = 64 * 1024  # room for the other form fields beside the file


@bp.app_template_filter("admin_when")
def when(value: object) -> str:
    """An ISO timestamp or a datetime as '01 Dec 2026 09:47 UTC' (what staff read)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, datetime):
        return "–"
    return f"{insights.aware(value).astimezone(UTC):%d %b %Y %H:%M} UTC"


bp.add_app_template_filter(human_size, "admin_size")


def _console():
    return current_app.extensions["toolkit_admin"]


def _accounts() -> Accounts:
    return _console().accounts


def _storage():
    return current_app.extensions["toolkit_storage"]


def _client() -> str:
    return request.remote_addr or "unknown"


@bp.before_request
def guard():
    """Uploads may be larger than API bodies; every page but the login needs a session;
    every POST needs the form's CSRF token."""
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = _console().documents.max_bytes * 2 + FORM_SLACK
    g.admin = None
    admin_id = session.get("admin")
    if admin_id is not None:
        admin = _accounts().get(admin_id)
        if admin is None or admin.session_epoch != session.get("epoch"):
            session.clear()
        else:
            g.admin = admin
    if g.admin is None and request.endpoint not in PUBLIC_ENDPOINTS:
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("admin.login", next=target), 303)
    if request.method == "POST":
        from . import csrf

        csrf.protect()
    return None


@bp.after_request
def private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.errorhandler(CSRFError)
def csrf_error(exc: CSRFError):
    message = (
        "This form could not be accepted (its security token was missing or out of date). "
        "Go back, reload the page and try again."
    )
    return render_template("admin/error.html", title="Form not accepted", message=message), 400


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc: RequestEntityTooLarge):
    limit = human_size(_console().documents.max_bytes)
    if request.endpoint in UPLOAD_ENDPOINTS and g.get("admin"):
        flash(f"The file is larger than the {limit} limit. Nothing was changed.", "error")
        return _documents_page(), 413
    return render_template(
        "admin/error.html", title="Too large", message="The form sent was too large."
    ), 413


@bp.errorhandler(IndexLibraryError)
def index_unavailable(exc: IndexLibraryError):
    message = f"The index or the embedding model is not available right now: {exc}"
    return render_template("admin/error.html", title="Not available", message=message), 503


# signing in and out -----------------------------------------------------------------------------


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/admin/") and not value.startswith("//"):
        return value
    return url_for("admin.overview")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if g.admin:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("admin/login.html", next=request.args.get("next", ""))
    email = request.form.get("email", "")[:254]
    password = request.form.get("password", "")[:1024]
    next_url = request.form.get("next", "")
    accounts = _accounts()
    limits = (
        int(current_app.config["ADMIN_SIGNIN_ACCOUNT_LIMIT"]),
        int(current_app.config["ADMIN_SIGNIN_CLIENT_LIMIT"]),
    )
    throttle = accounts.throttle(email, _client(), limits, SIGNIN_WINDOW)
    if throttle.blocked:
        minutes = max(1, round(throttle.retry_after / 60))
        error = f"Too many failed sign-ins: try again in about {minutes} minute(s)."
        page = render_template("admin/login.html", next=next_url, email=email, error=error)
        return page, 429, {"Retry-After": str(throttle.retry_after)}
    admin = accounts.verify(email, password) if email and password else None
    if admin is None:
        accounts.record_failure(email, _client(), SIGNIN_WINDOW)
        error = "That email and password do not match an account."
        return render_template("admin/login.html", next=next_url, email=email, error=error), 401
    accounts.clear_failures(email)
    session.clear()  # a fresh session (and CSRF token) on every sign-in
    session.permanent = True
    session["admin"] = admin.id
    session["epoch"] = admin.session_epoch
    accounts.log(admin.email, "sign-in")
    return redirect(_safe_next(next_url), 303)


@bp.post("/logout")
def logout():
    _accounts().end_sessions(g.admin.id)
    _accounts().log(g.admin.email, "sign-out")
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("admin.login"), 303)


# what people ask --------------------------------------------------------------------------------


def _period() -> int:
    return insights.period(request.args.get("days"), int(current_app.config["RETENTION_DAYS"]))


def _overview(days: int) -> insights.Overview:
    storage = _storage()
    since = datetime.now(UTC) - timedelta(days=days)
    result = insights.overview(storage.query_rows(since), storage.feedback_rows(), days)
    result.thumbs_down = [
        insights.ThumbsDown(
            t.at, t.question and redact(t.question), t.reason and redact(t.reason), t.document,
            t.page,
        )
        for t in result.thumbs_down
    ]  # fmt: skip
    return result


def _titles() -> dict[str, str]:
    try:
        return {d.filename: d.title for d in current_app.extensions["toolkit"].index().documents}
    except IndexLibraryError:
        return {}


def _oldest_logged() -> datetime | None:
    rows = _storage().query_rows()
    return insights.aware(rows[0]["created_at"]) if rows else None


def _csv(text: str, name: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/")
def overview():
    days = _period()
    result = _overview(days)
    retention = int(current_app.config["RETENTION_DAYS"])
    oldest = _oldest_logged()
    overdue = oldest is not None and oldest < datetime.now(UTC) - timedelta(days=retention + 1)
    return render_template(
        "admin/overview.html",
        o=result,
        days=days,
        periods=insights.PERIODS,
        chart=insights.share_chart(result.buckets),
        titles=_titles(),
        retention=retention,
        purge_overdue=overdue,
    )


@bp.get("/overview.csv")
def overview_csv():
    days = _period()
    return _csv(insights.overview_csv(_overview(days)), f"questions-{days}d.csv")


@bp.get("/thumbs-down.csv")
def thumbs_down_csv():
    days = _period()
    return _csv(insights.thumbs_down_csv(_overview(days)), f"thumbs-down-{days}d.csv")


def _gap_groups(days: int):
    rows = _storage().gap_candidates(datetime.now(UTC) - timedelta(days=days))
    rows = [{**r, "question": redact(r["question"])} for r in rows]
    return group_questions(rows, current_app.extensions["toolkit"].embedder)


@bp.get("/gaps")
def gaps():
    days = _period()
    return render_template(
        "admin/gaps.html",
        groups=_gap_groups(days),
        o=_overview(days),
        days=days,
        periods=insights.PERIODS,
        retention=int(current_app.config["RETENTION_DAYS"]),
    )


@bp.get("/gaps.csv")
def gaps_csv():
    days = _period()
    return _csv(as_csv(_gap_groups(days)), f"gaps-{days}d.csv")


# documents --------------------------------------------------------------------------------------


def _build_state() -> rebuild.BuildState:
    return rebuild.read_state(_console().build_dir)


def _start_build() -> None:
    config = current_app.config
    rebuild.request_rebuild(
        _console().build_dir,
        Path(config["DOCS_DIR"]).absolute(),
        Path(config["INDEX_DIR"]).absolute(),
        config["MODEL"],
        {"cache": config["MODEL_CACHE"], "encoder": config["ENCODER"]},
    )


def _documents_page() -> str:
    folder = _console().documents
    files = folder.files()
    try:
        index = current_app.extensions["toolkit"].index()
        indexed, skipped, built_at = (
            index.documents,
            index.manifest.get("skipped", []),
            (index.manifest.get("built_at")),
        )
        index_error = None
    except IndexLibraryError as exc:
        indexed, skipped, built_at, index_error = [], [], None, str(exc)
    names = {d.filename for d in indexed}
    return render_template(
        "admin/documents.html",
        indexed=indexed,
        files=files,
        waiting=[f for n, f in files.items() if n not in names],
        skipped={s["filename"]: s["reason"] for s in skipped},
        built_at=built_at,
        index_error=index_error,
        build=_build_state(),
        max_size=human_size(folder.max_bytes),
        recent=[r for r in _accounts().recent(50) if r["action"].startswith("document")][:10],
    )


@bp.get("/documents")
def documents():
    return _documents_page()


@bp.get("/documents/build")
def build_status():
    return _build_state().to_dict()


def _change(action: str, do) -> Response | tuple[str, int]:
    try:
        message = do()
    except UploadRefused as exc:
        flash(f"{exc} Nothing was changed.", "error")
        return _documents_page(), 422
    except OSError as exc:
        flash(f"The documents folder could not be changed ({exc.strerror}).", "error")
        return _documents_page(), 500
    _accounts().log(g.admin.email, action, message)
    _start_build()
    flash(f"{message} The index is being rebuilt: the change is live when the build is done.")
    return redirect(url_for("admin.documents"), 303)


def _upload_stream():
    upload = request.files.get("pdf")
    if upload is None or not upload.filename:
        raise UploadRefused("Choose a PDF file to upload.")
    return upload


@bp.post("/documents")
def upload():
    def do() -> str:
        file = _upload_stream()
        name = _console().documents.add(file.filename, file.stream)
        return f"{name} was added."

    return _change("document added", do)


@bp.post("/documents/replace")
def replace():
    def do() -> str:
        file = _upload_stream()
        name = _console().documents.replace(request.form.get("filename", ""), file.stream)
        return f"{name} was replaced by the uploaded file (the old version is archived)."

    return _change("document replaced", do)


@bp.post("/documents/remove")
def remove():
    def do() -> str:
        name = request.form.get("filename", "")
        _console().documents.remove(name)
        return f"{name} was removed (it is kept in the archive folder)."

    return _change("document removed", do)


@bp.post("/documents/rebuild")
def rebuild_now():
    _accounts().log(g.admin.email, "document rebuild")
    _start_build()
    flash("The index is being rebuilt.")
    return redirect(url_for("admin.documents"), 303)


# partner keys -----------------------------------------------------------------------------------


def _keys_page(new_key: str | None = None, new_name: str | None = None, status: int = 200):
    return render_template(
        "admin/keys.html",
        keys=_storage().list_keys(),
        default_limit=current_app.config["RATELIMIT_PARTNER"],
        new_key=new_key,
        new_name=new_name,
    ), status


@bp.get("/keys")
def keys():
    return _keys_page()


@bp.post("/keys")
def create_key():
    name = request.form.get("name", "").strip()[:100]
    try:
        if not name:
            raise ValueError("Give the partner's key a name.")
        limit = partners.check_limit(request.form.get("rate_limit", ""))
        key = _storage().create_key(name, limit)
    except ValueError as exc:
        flash(str(exc), "error")
        return _keys_page(status=422)
    _accounts().log(g.admin.email, "key created", name)
    return _keys_page(new_key=key, new_name=name)  # shown this once, never stored


@bp.post("/keys/revoke")
def revoke_key():
    name = request.form.get("name", "")
    if _storage().revoke_key(name):
        _accounts().log(g.admin.email, "key revoked", name)
        flash(f"The key {name!r} is revoked: it gets 401 from now on.")
    else:
        flash(f"There is no active key named {name!r}.", "error")
    return redirect(url_for("admin.keys"), 303)


@bp.post("/keys/limit")
def key_limit():
    name = request.form.get("name", "")
    try:
        limit = partners.check_limit(request.form.get("rate_limit", ""))
    except ValueError as exc:
        flash(str(exc), "error")
        return _keys_page(status=422)
    if partners.set_limit(_storage(), name, limit):
        _accounts().log(g.admin.email, "key limit", f"{name}: {limit or 'default'}")
        flash(f"{name!r} now has the limit {limit or 'of every partner (default)'}.")
    else:
        flash(f"There is no active key named {name!r}.", "error")
    return redirect(url_for("admin.keys"), 303)


# crisis resources -------------------------------------------------------------------------------


def _resources_page(entries=None, status: int = 200):
    engine = _storage().engine
    saved = resources.edited(engine)
    shown = entries if entries is not None else (saved or resources.configured(current_app))
    return render_template(
        "admin/resources.html",
        entries=shown,
        edited=bool(saved),
        today=datetime.now(UTC).date(),
        stale_days=resources.STALE_AFTER.days,
    ), status


@bp.get("/resources")
def crisis_resources():
    return _resources_page()


def _form_entries() -> list[resources.Entry]:
    form = request.form
    names, contacts = form.getlist("name"), form.getlist("contact")
    urls, reviewed = form.getlist("url"), form.getlist("reviewed")
    entries = []
    for i, name in enumerate(names):
        row = [name, *(v[i] if i < len(v) else "" for v in (contacts, urls, reviewed))]
        name, contact, url, when = (v.strip() for v in row)
        if not (name or contact or url):
            continue  # an empty row
        if not (name and contact and url):
            raise ValueError(f"Row {i + 1}: a resource needs a name, a contact and a web address.")
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"Row {i + 1}: the web address must start with https://.")
        try:
            day = date.fromisoformat(when) if when else None
        except ValueError:
            raise ValueError(f"Row {i + 1}: the review date must be a date.") from None
        entries.append(resources.Entry(name[:200], contact[:300], url[:500], day))
    if not entries:
        raise ValueError("Keep at least one resource: people in crisis must be shown one.")
    return entries


@bp.post("/resources")
def save_resources():
    try:
        entries = _form_entries()
    except ValueError as exc:
        flash(str(exc), "error")
        return _resources_page(status=422)
    resources.save(_storage().engine, entries, g.admin.email)
    names = ", ".join(e.name for e in entries)
    _accounts().log(g.admin.email, "resources saved", names)
    flash("The crisis resources are saved.")
    return redirect(url_for("admin.crisis_resources"), 303)


@bp.post("/resources/reset")
def reset_resources():
    resources.save(_storage().engine, [], g.admin.email)
    _accounts().log(g.admin.email, "resources reset")
    flash("The edited list is removed: the configured crisis resources are shown again.")
    return redirect(url_for("admin.crisis_resources"), 303)

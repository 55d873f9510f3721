"""The Flask app: `create_app(config=None)` builds it; `wsgi.py` is the only module that calls it
at import time. Configuration: defaults below, then TOOLKIT_* environment variables, then the
`config` mapping (tests). This is the one place that reads the environment: everything below
it takes parameters.

Paths that are not set are inside the instance folder (`instance/` beside the `service`
package in a checkout, whatever the working directory; `TOOLKIT_INSTANCE_PATH` moves it).
"""

from __future__ import annotations

import functools
import logging
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from apiflask import APIFlask

from index import Embedder, load_embedder

from . import (
    access,
    admin,
    api,
    apidocs,
    cli,
    crisis_model,
    documents,
    errors,
    headers,
    query_log,
    storage,
    web,
)
from .admin import resources as admin_resources
from .assistant import Assistant
from .crisis import CrisisCheck
from .engine import Engine
from .process import limit_blas_threads
from .safety import DEFAULT_SIMILARITY_THRESHOLD, Resource, parse_resources

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "INDEX_DIR": None,  # the instance folder's index/
    "DOCS_DIR": str(PROJECT_ROOT / "docs_src"),
    "MODEL": None,  # index.load_embedder's default: all-MiniLM-L6-v2
    "ENCODER": None,  # onnx (default), int8 or torch
    "ENCODER_THREADS": None,  # intra-op threads of the encoder; None: one per core
    "MODEL_CACHE": None,  # exported ONNX models: the instance folder's models/
    "EMBEDDER": None,  # an Embedder object instead of MODEL (tests, embedding programs)
    "DATABASE": None,  # sqlite file in the instance folder
    "CORS_ORIGINS": "",
    "PUBLIC_URL": None,  # e.g. https://toolkit.example.org when behind a proxy
    # best-hit score below which the service declines (calibrated: see the README)
    "ANSWER_THRESHOLD": 0.374,
    "CRISIS_SIMILARITY": DEFAULT_SIMILARITY_THRESHOLD,
    "CRISIS_MODEL": str(crisis_model.MODEL_PATH),  # learned crisis signal; "" turns it off
    # JSON list of {"name", "contact", "url", "reviewed"} to replace the defaults
    "CRISIS_RESOURCES": None,
    "RELOAD_INTERVAL": 2.0,  # seconds between checks for a rebuilt index
    # request bodies above this get 413: room for a question and a full history (11,000
    # characters, even each written as a 12-byte JSON escape of an emoji), nothing more
    "MAX_CONTENT_LENGTH": 160 * 1024,
    "RATELIMIT_ANONYMOUS": "30/minute;600/day",  # per client without an API key
    "RATELIMIT_PARTNER": "600/minute",  # per partner key, unless the key has its own
    "RATELIMIT_STORAGE": None,  # a SQLite file in the instance folder; redis://... for replicas
    "PROXY_FIX": 0,  # reverse proxies in front whose X-Forwarded-* headers are trusted
    "RETENTION_DAYS": 30,  # `flask --app wsgi purge` deletes logged questions older than this
    "SECRET_KEY": None,  # salts the hash that stands for a client in rate limits
    "ADMIN_MAX_UPLOAD_MB": 50,  # largest PDF the admin console accepts
    "ADMIN_SESSION_HOURS": 8,  # an admin sign-in lasts this long
    "ADMIN_SIGNIN_ACCOUNT_LIMIT": 5,  # failed sign-ins per account in 15 minutes
    "ADMIN_SIGNIN_CLIENT_LIMIT": 20,  # failed sign-ins per client in 15 minutes
}


class LiveResources:
    """The crisis resources to signpost: those staff edited in the console, else the configured
    ones. Never fails and never waits long: while the database is down, the configured ones."""

    RETRY_SECONDS = 30.0

    def __init__(self, app: APIFlask) -> None:
        self.app = app
        self._failed_at: float | None = None

    def __call__(self) -> tuple[Resource, ...]:
        configured = self.app.config["CRISIS_RESOURCES"]
        if self._failed_at is not None and time.monotonic() - self._failed_at < self.RETRY_SECONDS:
            return configured
        try:
            found = admin_resources.current(self.app)
        except Exception:
            log.warning("edited crisis resources unavailable: the configured ones are used")
            self._failed_at = time.monotonic()
            return configured
        self._failed_at = None
        return found


def _instance_secret(instance: Path) -> str:
    """A per-installation secret kept in the instance folder, shared by all workers."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}")
        tmp.write_text(secrets.token_hex(32))
        os.replace(tmp, path) if not path.exists() else tmp.unlink()
    return path.read_text().strip()


def _model_loader(config: dict) -> Callable[[int | None], Embedder]:
    """threads -> the configured embedder (what the Engine loads on first use)."""
    given: Embedder | None = config["EMBEDDER"]
    cache = config["MODEL_CACHE"]
    encoder = config["ENCODER"]

    def load(threads: int | None) -> Embedder:
        if given is not None:
            return given
        limit_blas_threads(1)  # a process that serves: see service.process
        return load_embedder(
            config["MODEL"], encoder=encoder, threads=threads, cache=cache, export=False
        )

    return load


def _instance_path(config: dict | None) -> str | None:
    """TOOLKIT_INSTANCE_PATH or the mapping's INSTANCE_PATH; None: Flask's default."""
    value = (config or {}).get("INSTANCE_PATH") or os.environ.get("TOOLKIT_INSTANCE_PATH")
    return str(Path(value).absolute()) if value else None


def create_app(config: dict | None = None) -> APIFlask:
    app = APIFlask(
        __name__,
        title="Peer support toolkit assistant API",
        version="1.0.0",
        spec_path="/api/v1/openapi.json",
        docs_path="/api/v1/docs",
        instance_path=_instance_path(config),
    )
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("TOOLKIT")
    if config:
        app.config.from_mapping(config)
    instance = Path(app.instance_path)
    app.config["INDEX_DIR"] = str(app.config["INDEX_DIR"] or instance / "index")
    app.config["MODEL_CACHE"] = str(app.config["MODEL_CACHE"] or instance / "models")
    app.config["CRISIS_RESOURCES"] = parse_resources(app.config["CRISIS_RESOURCES"])
    app.config["ANSWER_THRESHOLD"] = float(app.config["ANSWER_THRESHOLD"])
    app.config["CRISIS_SIMILARITY"] = float(app.config["CRISIS_SIMILARITY"])
    threads = app.config["ENCODER_THREADS"]
    app.json.sort_keys = False
    logging.getLogger("service").setLevel(logging.INFO)

    engine = Engine(
        Path(app.config["INDEX_DIR"]),
        _model_loader(app.config),
        reload_interval=float(app.config["RELOAD_INTERVAL"]),
        threads=int(threads) if threads else None,
    )
    crisis = CrisisCheck(
        lambda: engine.embedder,
        resources=LiveResources(app),
        similarity_threshold=app.config["CRISIS_SIMILARITY"],
        model_path=Path(app.config["CRISIS_MODEL"]) if app.config["CRISIS_MODEL"] else None,
    )
    app.extensions["toolkit"] = engine
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(instance)
    errors.init_app(app)
    headers.init_app(app)
    api.init_crisis_first(app)  # before the key lookup and the rate limiter
    store = storage.init_app(app)
    app.extensions["toolkit_assistant"] = Assistant(
        engine,
        crisis,
        answer_threshold=app.config["ANSWER_THRESHOLD"],
        query_log=functools.partial(query_log.record, store),
        new_query_id=store.new_query_id,
    )
    access.init_app(app, api.bp)
    api.init_app(app)
    documents.init_app(app)
    web.init_app(app)
    admin.init_app(app)
    apidocs.init_app(app)
    cli.init_app(app)
    return app

"""The Flask app: `create_app(config=None)` builds it; `wsgi.py` is the only module that calls it
at import time. Configuration: defaults below, then TOOLKIT_* environment variables, then the
`config` mapping (tests)."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from apiflask import APIFlask

from . import access, api, apidocs, cli, crisis_model, documents, errors, headers, storage, web
from .engine import Engine
from .safety import DEFAULT_RESOURCES, DEFAULT_SIMILARITY_THRESHOLD, Resource

DEFAULTS = {
    "INDEX_DIR": "instance/index",
    "DOCS_DIR": "docs_src",
    "MODEL": None,  # index.load_embedder's default: all-MiniLM-L6-v2
    "DATABASE": None,  # sqlite file in the instance folder
    "CORS_ORIGINS": "",
    "PUBLIC_URL": None,  # e.g. https://toolkit.example.org when behind a proxy
    # best-hit score below which the service declines; calibrated on tests/data/qa.jsonl:
    # answers 97.3% of answerable questions, declines 93.3% of unanswerable ones
    "ANSWER_THRESHOLD": 0.374,
    "CRISIS_SIMILARITY": DEFAULT_SIMILARITY_THRESHOLD,
    "CRISIS_MODEL": str(crisis_model.MODEL_PATH),  # learned crisis signal; "" turns it off
    "CRISIS_RESOURCES": None,  # JSON list of {"name", "contact", "url"} to replace the defaults
    "RELOAD_INTERVAL": 2.0,  # seconds between checks for a rebuilt index
    "MAX_CONTENT_LENGTH": 16 * 1024,  # request bodies above this get 413
    "RATELIMIT_ANONYMOUS": "30/minute;600/day",  # per client without an API key
    "RATELIMIT_PARTNER": "600/minute",  # per partner key, unless the key has its own
    "RATELIMIT_STORAGE": None,  # memory:// by default; redis://host:6379 shared by replicas
    "RETENTION_DAYS": 30,  # `flask --app wsgi purge` deletes logged questions older than this
    "SECRET_KEY": None,  # salts the hash that stands for a client in rate limits
}


def _resources(value: object) -> tuple[Resource, ...]:
    if not value:
        return DEFAULT_RESOURCES
    if isinstance(value, list | tuple) and all(isinstance(r, Resource) for r in value):
        return tuple(value)
    if not isinstance(value, list) or not all(
        isinstance(r, dict) and {"name", "contact", "url"} <= set(r) for r in value
    ):
        raise ValueError('CRISIS_RESOURCES must be a JSON list of {"name", "contact", "url"}')
    return tuple(Resource(str(r["name"]), str(r["contact"]), str(r["url"])) for r in value)


def _instance_secret(instance: Path) -> str:
    """A per-installation secret kept in the instance folder, shared by all workers."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}")
        tmp.write_text(secrets.token_hex(32))
        os.replace(tmp, path) if not path.exists() else tmp.unlink()
    return path.read_text().strip()


def create_app(config: dict | None = None) -> APIFlask:
    app = APIFlask(
        __name__,
        title="Peer support toolkit assistant API",
        version="1.0.0",
        spec_path="/api/v1/openapi.json",
        docs_path="/api/v1/docs",
        instance_path=str(Path("instance").absolute()),
    )
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("TOOLKIT")
    if config:
        app.config.from_mapping(config)
    app.config["CRISIS_RESOURCES"] = _resources(app.config["CRISIS_RESOURCES"])
    app.config["ANSWER_THRESHOLD"] = float(app.config["ANSWER_THRESHOLD"])
    app.config["CRISIS_SIMILARITY"] = float(app.config["CRISIS_SIMILARITY"])
    app.json.sort_keys = False
    logging.getLogger("service").setLevel(logging.INFO)

    app.extensions["toolkit"] = Engine(
        Path(app.config["INDEX_DIR"]),
        app.config["MODEL"],
        reload_interval=float(app.config["RELOAD_INTERVAL"]),
        crisis_model_path=Path(app.config["CRISIS_MODEL"]) if app.config["CRISIS_MODEL"] else None,
    )
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    errors.init_app(app)
    headers.init_app(app)
    storage.init_app(app)
    access.init_app(app, api.bp)
    api.init_app(app)
    documents.init_app(app)
    web.init_app(app)
    apidocs.init_app(app)
    cli.init_app(app)
    return app

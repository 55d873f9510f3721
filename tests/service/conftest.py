"""An app over a small index of generated PDFs, with the deterministic hashing embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import HashEmbedder, build
from service import create_app


@pytest.fixture
def index_dir(docs: Path, tmp_path: Path) -> Path:
    out = tmp_path / "index"
    build(docs, out, HashEmbedder(), progress=False)
    return out


@pytest.fixture
def make_app(docs: Path, index_dir: Path, tmp_path: Path):
    """make_app(**settings): an app over the small index, with `settings` on top."""

    def make(**overrides: object):
        return create_app(
            {
                "TESTING": True,
                "INDEX_DIR": str(index_dir),
                "DOCS_DIR": str(docs),
                "MODEL": "hash",
                "DATABASE": f"sqlite:///{tmp_path / 'test.db'}",
                "ANSWER_THRESHOLD": 0.2,
                "RELOAD_INTERVAL": 0.0,
                **overrides,
            }
        )

    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()

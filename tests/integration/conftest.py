"""Real model, real PDFs: the external corpus indexed once per test session."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from index import Index, build, load_embedder
from index.store import StoredIndex, read_index

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL = ROOT.parent / "shared" / "corpora" / "external"
DATA = ROOT / "tests" / "data"


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="session")
def real_embedder():
    return load_embedder("all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def external_index(tmp_path_factory, real_embedder) -> tuple[Index, StoredIndex]:
    if not EXTERNAL.is_dir():
        pytest.fail(f"the shared external corpus is missing at {EXTERNAL}")
    out = tmp_path_factory.mktemp("external") / "index"
    report = build(EXTERNAL, out, real_embedder, progress=False)
    assert report.skipped == []
    return Index.open(out, real_embedder), read_index(out)


@pytest.fixture(scope="session")
def external_facts() -> dict:
    return json.loads((DATA / "external_facts.json").read_text(encoding="utf-8"))

"""Real model, real PDFs: the model exported and the external corpus indexed once per session.

The ONNX export lives in a temporary model cache, exported once per session by the command
line in a fresh process, offline (as a deploy step does); a caller who already has one passes
it as `TOOLKIT_MODEL_CACHE` (checked, never written). Either way TOOLKIT_MODEL_CACHE points at
it during these tests, so apps and gunicorn started here find it too.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from index import Index, build, load_embedder
from index.store import StoredIndex, read_index

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL = ROOT.parent / "shared" / "corpora" / "external"
DATA = ROOT / "tests" / "data"


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _run_export(*args: str, cache: Path, home: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HOME": str(home),  # an empty hub cache: only the packaged files can be used
        "PYTHONPATH": str(ROOT),
    }
    for variable in ("TOOLKIT_MODEL", "TOOLKIT_ENCODER", "TOOLKIT_MODEL_CACHE"):
        env.pop(variable, None)
    return subprocess.run(
        [sys.executable, "-m", "index.onnx_export", *args, "--int8", "--cache", str(cache)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="session")
def run_export(tmp_path_factory) -> Callable[..., subprocess.CompletedProcess]:
    """`python -m index.onnx_export [check] --int8 --cache CACHE` in a fresh, offline process."""
    home = tmp_path_factory.mktemp("hf-home")
    return lambda cache, *args: _run_export(*args, cache=cache, home=home)


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory, run_export) -> Path:
    """The model cache with the fp32 and int8 exports of all-MiniLM-L6-v2."""
    given = os.environ.get("TOOLKIT_MODEL_CACHE")
    if given:
        checked = run_export(Path(given), "check")
        assert checked.returncode == 0, f"TOOLKIT_MODEL_CACHE={given}: {checked.stderr}"
        return Path(given)
    cache = tmp_path_factory.mktemp("models")
    result = run_export(cache)
    assert result.returncode == 0, result.stderr
    return cache


@pytest.fixture(scope="session", autouse=True)
def _apps_find_the_model_cache(model_cache) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOOLKIT_MODEL_CACHE", str(model_cache))
        yield


@pytest.fixture(scope="session")
def real_embedder(model_cache):
    return load_embedder("all-MiniLM-L6-v2", cache=model_cache)


@pytest.fixture(scope="session")
def external_corpus() -> Path:
    """../shared/corpora/external: beside a checkout in CI and on the team's machines, not on a
    newcomer's fresh clone. Without it the tests that need it skip with the reason (so that
    `make test` works there), and fail in CI (CI=true), which must have it."""
    if not any(EXTERNAL.glob("*.pdf")):
        reason = f"the shared external corpus is not at {EXTERNAL}"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"CI must have it: {reason}", pytrace=False)
        pytest.skip(f"{reason} (it is beside the checkout in CI)")
    return EXTERNAL


@pytest.fixture(scope="session")
def external_index(tmp_path_factory, real_embedder, external_corpus) -> tuple[Index, StoredIndex]:
    out = tmp_path_factory.mktemp("external") / "index"
    report = build(EXTERNAL, out, real_embedder, progress=False)
    assert report.skipped == []
    return Index.open(out, real_embedder), read_index(out)


@pytest.fixture(scope="session")
def external_facts() -> dict:
    return json.loads((DATA / "external_facts.json").read_text(encoding="utf-8"))

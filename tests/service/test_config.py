"""Configuration reaches the library as parameters: the app's settings are what is used."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import IndexLibraryError
from service import create_app


def test_the_encoder_setting_is_what_loads(make_app):
    engine = make_app(MODEL="all-MiniLM-L6-v2", ENCODER="nonsense").extensions["toolkit"]
    with pytest.raises(ValueError, match="nonsense"):
        _ = engine.embedder


def test_the_model_cache_setting_is_where_the_model_is_looked_for(make_app, tmp_path):
    cache = tmp_path / "no-models-here"
    engine = make_app(MODEL="all-MiniLM-L6-v2", MODEL_CACHE=str(cache)).extensions["toolkit"]
    with pytest.raises(IndexLibraryError, match=str(cache)):  # a clear message, not a 500
        _ = engine.embedder


def test_a_model_that_cannot_be_loaded_is_a_503_and_a_crisis_still_signposted(make_app, tmp_path):
    client = make_app(MODEL="all-MiniLM-L6-v2", MODEL_CACHE=str(tmp_path)).test_client()
    r = client.post("/api/v1/ask", json={"question": "how do we find a venue?"})
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "unavailable"
    r = client.post("/api/v1/ask", json={"question": "I want to kill myself tonight"})
    assert r.status_code == 200 and r.get_json()["safety"]["crisis"] is True


def test_the_instance_folder_does_not_depend_on_the_working_directory(monkeypatch, tmp_path):
    for name in ("INSTANCE_PATH", "INDEX_DIR", "DOCS_DIR", "MODEL_CACHE"):  # the defaults
        monkeypatch.delenv(f"TOOLKIT_{name}", raising=False)
    monkeypatch.chdir(tmp_path)
    app = create_app({"MODEL": "hash", "SECRET_KEY": "x", "DATABASE": "sqlite://"})
    root = Path(__file__).resolve().parents[2]
    assert Path(app.instance_path) == root / "instance"
    assert app.config["INDEX_DIR"] == str(root / "instance" / "index")
    assert app.config["MODEL_CACHE"] == str(root / "instance" / "models")
    assert app.config["DOCS_DIR"] == str(root / "docs_src")


def test_the_instance_folder_can_be_moved(monkeypatch, tmp_path):
    monkeypatch.setenv("TOOLKIT_INSTANCE_PATH", str(tmp_path / "elsewhere"))
    app = create_app({"MODEL": "hash"})
    assert app.instance_path == str(tmp_path / "elsewhere")
    assert app.config["INDEX_DIR"] == str(tmp_path / "elsewhere" / "index")
    assert (tmp_path / "elsewhere" / "secret_key").exists()  # not in the checkout

"""The command line as a user runs it: exit codes, messages and the --json contract."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "TOOLKIT_MODEL": "hash", **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "index", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_build_reports_skipped_files_and_succeeds(docs: Path, tmp_path: Path):
    (docs / "broken.pdf").write_text("not really a pdf")
    out = tmp_path / "idx"
    result = run("build", "--src", str(docs), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "indexed 2 documents, 7 pages" in result.stdout
    assert "skipped broken.pdf: not a PDF file" in result.stdout
    assert (out / "manifest.json").is_file()


def test_build_fails_when_nothing_can_be_indexed(tmp_path: Path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "zero.pdf").write_bytes(b"")
    result = run("build", "--src", str(tmp_path / "src"), "--out", str(tmp_path / "idx"))
    assert result.returncode != 0
    assert "no document" in result.stderr and "zero.pdf: the file is empty" in result.stderr
    missing = run("build", "--src", str(tmp_path / "missing"), "--out", str(tmp_path / "idx"))
    assert missing.returncode != 0 and "does not exist" in missing.stderr


def test_search_json_prints_citations(docs: Path, tmp_path: Path):
    out = tmp_path / "idx"
    assert run("build", "--src", str(docs), "--out", str(out)).returncode == 0
    result = run("search", "step-free access venue", "--k", "2", "--json", "--index", str(out))
    assert result.returncode == 0, result.stderr
    results = json.loads(result.stdout)["results"]
    assert len(results) == 2
    first = results[0]
    assert set(first) == {
        "n", "document", "page_start", "page_end", "page_label", "section", "text", "score", "url"
    }  # fmt: skip
    assert first["n"] == 1
    assert first["document"] == {
        "id": "guide",
        "title": "A small guide to running a group",
        "filename": "guide.pdf",
    }
    assert (first["page_start"], first["page_label"], first["section"]) == (
        4,
        "3",
        "Choosing a venue",
    )
    assert first["url"].endswith("guide.pdf#page=4")


def test_search_reads_the_index_dir_from_the_environment(docs: Path, tmp_path: Path):
    out = tmp_path / "idx"
    assert run("build", "--src", str(docs), "--out", str(out)).returncode == 0
    result = run("search", "supervision", env_extra={"TOOLKIT_INDEX_DIR": str(out)})
    assert result.returncode == 0
    assert "Facilitator notes — pp. 1–3" in result.stdout


def test_search_without_an_index_says_how_to_build_one(tmp_path: Path):
    result = run("search", "anything", "--index", str(tmp_path / "none"))
    assert result.returncode == 2
    assert "python -m index build" in result.stderr


def test_eval_prints_recall_and_mrr(docs: Path, tmp_path: Path):
    out = tmp_path / "idx"
    assert run("build", "--src", str(docs), "--out", str(out)).returncode == 0
    qa = tmp_path / "qa.jsonl"
    rows = [
        {"id": "a", "question": "step-free access venue", "kind": "answerable",
         "answers": [{"document": "guide.pdf", "pages": [4]}]},
        {"id": "b", "question": "how do we agree ground rules", "kind": "answerable",
         "answers": [{"document": "guide.pdf", "pages": [2]}]},
        {"id": "c", "question": "what is the price of a train ticket to Leeds",
         "kind": "unanswerable", "answers": []},
    ]  # fmt: skip
    qa.write_text("\n".join(json.dumps(r) for r in rows))
    result = run("eval", str(qa), "--index", str(out), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["answerable"] == 2
    assert data["recall@5"] == 1.0
    assert data["best_score_unanswerable"]["n"] == 1
    text = run("eval", str(qa), "--index", str(out)).stdout
    assert "recall@1:" in text and "MRR@10:" in text


def test_stats_describes_the_index(docs: Path, tmp_path: Path):
    out = tmp_path / "idx"
    assert run("build", "--src", str(docs), "--out", str(out)).returncode == 0
    result = run("stats", "--index", str(out))
    assert "guide.pdf: 4 pages" in result.stdout
    assert "model hash" in result.stdout


def test_the_command_line_passes_its_environment_to_the_library(monkeypatch, tmp_path: Path):
    import index.__main__ as cli
    from index import HashEmbedder

    seen: list[tuple] = []

    def fake_load_embedder(name, **options):
        seen.append((name, options))
        return HashEmbedder()

    monkeypatch.setattr(cli, "load_embedder", fake_load_embedder)
    monkeypatch.setenv("TOOLKIT_MODEL", "all-MiniLM-L6-v2:int8")
    monkeypatch.setenv("TOOLKIT_ENCODER", "torch")
    monkeypatch.setenv("TOOLKIT_ENCODER_THREADS", "3")
    monkeypatch.setenv("TOOLKIT_MODEL_CACHE", str(tmp_path / "models"))
    cli._embedder(cli.parser().parse_args(["search", "q"]))
    cli._embedder(cli.parser().parse_args(["search", "q", "--model", "hash"]))
    for variable in ("TOOLKIT_MODEL", "TOOLKIT_ENCODER", "TOOLKIT_ENCODER_THREADS"):
        monkeypatch.delenv(variable)
    monkeypatch.setenv("TOOLKIT_MODEL_CACHE", "")
    cli._embedder(cli.parser().parse_args(["search", "q"]))
    options = {"encoder": "torch", "threads": 3, "cache": str(tmp_path / "models"), "export": True}
    assert seen == [
        ("all-MiniLM-L6-v2:int8", options),
        ("hash", options),
        (None, {"encoder": None, "threads": None, "cache": None, "export": True}),
    ]


def test_a_bad_thread_count_is_reported_by_name(tmp_path: Path):
    result = run("search", "anything", "--index", str(tmp_path / "none"),
                 env_extra={"TOOLKIT_ENCODER_THREADS": "two"})  # fmt: skip
    assert result.returncode == 2
    assert "TOOLKIT_ENCODER_THREADS must be a whole number, not 'two'" in result.stderr

"""A corrupt or partial index is refused by name before use; killed builds leave nothing behind."""

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from index import Index, IndexCorruptError, IndexLibraryError, build
from index.store import MANIFEST, remove_stale

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def built(docs: Path, tmp_path: Path, embedder) -> Path:
    out = tmp_path / "index"
    build(docs, out, embedder, progress=False)
    return out


def test_the_manifest_records_every_file_size_and_sha256(built: Path):
    manifest = json.loads((built / MANIFEST).read_text())
    on_disk = {f.name for f in built.iterdir()} - {MANIFEST}
    assert set(manifest["files"]) == on_disk
    for name, record in manifest["files"].items():
        data = (built / name).read_bytes()
        assert record == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def test_random_bytes_in_sentence_rows_are_refused_naming_the_file(built: Path, embedder):
    file = built / "sentence_rows.npy"
    size = file.stat().st_size
    file.write_bytes(np.random.default_rng(0).bytes(size))  # same size: only the hash tells
    with pytest.raises(IndexCorruptError, match=r"sentence_rows\.npy") as caught:
        Index.open(built, embedder)
    assert isinstance(caught.value, IndexLibraryError)
    file.write_bytes(np.random.default_rng(1).bytes(size // 2))  # truncated
    with pytest.raises(IndexCorruptError, match=r"sentence_rows\.npy is \d+ bytes"):
        Index.open(built, embedder)


def test_one_changed_byte_in_any_file_is_refused_naming_it(built: Path, embedder):
    for file in sorted(f for f in built.iterdir() if f.name != MANIFEST):
        original = file.read_bytes()
        damaged = bytearray(original)
        damaged[len(damaged) // 2] ^= 0x01
        file.write_bytes(bytes(damaged))
        with pytest.raises(IndexCorruptError, match=f"index file .*{re.escape(file.name)}"):
            Index.open(built, embedder)
        file.write_bytes(original)
    Index.open(built, embedder)  # restored: opens again


def test_a_missing_file_is_refused_naming_it(built: Path, embedder):
    (built / "bm25.vocab.json").unlink()
    with pytest.raises(IndexCorruptError, match=r"bm25\.vocab\.json is missing"):
        Index.open(built, embedder)


def test_a_manifest_without_checksums_is_refused(built: Path, embedder):
    manifest = json.loads((built / MANIFEST).read_text())
    del manifest["files"]
    (built / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IndexCorruptError, match="lists no files"):
        Index.open(built, embedder)


def test_a_corrupt_index_is_rebuilt_from_scratch(built: Path, docs: Path, embedder):
    (built / "vectors.faiss").write_bytes(b"garbage")
    report = build(docs, built, embedder, progress=False)
    assert report.reused_documents == 0
    assert Index.open(built, embedder).search("ground rules", k=1)


KILLED_BUILD = """
import os, signal, sys
from pathlib import Path
import index.store as store
from index import HashEmbedder, build

def killed(*args, **kwargs):  # the build dies right after creating its temp folder
    os.kill(os.getpid(), signal.SIGKILL)

store.faiss.write_index = killed
build(Path(sys.argv[1]), Path(sys.argv[2]), HashEmbedder(), progress=False)
"""


def test_a_killed_build_leaves_a_temp_folder_that_the_next_build_removes(
    built: Path, docs: Path, embedder
):
    child = subprocess.Popen([sys.executable, "-c", KILLED_BUILD, str(docs), str(built)], cwd=ROOT)
    assert child.wait(timeout=120) == -signal.SIGKILL
    left = [f for f in built.parent.iterdir() if f.name.startswith(".index.tmp-")]
    assert [f.name.split("-")[1] for f in left] == [str(child.pid)]
    Index.open(built, embedder)  # the previous index is intact
    # a concurrent build that is still running keeps its folder
    running = built.parent / f".index.tmp-{os.getpid()}-inprogress"
    running.mkdir()
    build(docs, built, embedder, progress=False)
    names = {f.name for f in built.parent.iterdir()}
    assert left[0].name not in names
    assert running.name in names
    assert not [n for n in names if n.startswith(".index.old-")]


def test_stale_folders_of_older_versions_and_reused_pids_expire(tmp_path: Path):
    out = tmp_path / "index"
    old_style = tmp_path / ".index.tmp-k3j2l1x0"  # no pid in the name: an older version
    recent_old_style = tmp_path / ".index.tmp-a8b7c6d5"
    ancient = tmp_path / f".index.tmp-{os.getpid()}-x"  # a live pid, but a day old
    other = tmp_path / ".other.tmp-1-x"  # another index's: not ours to remove
    for folder in (old_style, recent_old_style, ancient, other):
        folder.mkdir()
    two_hours, two_days = time.time() - 7200, time.time() - 2 * 86400
    os.utime(old_style, (two_hours, two_hours))
    os.utime(ancient, (two_days, two_days))
    os.utime(other, (two_days, two_days))
    removed = remove_stale(out)
    assert sorted(removed) == sorted([old_style, ancient])
    assert recent_old_style.exists() and other.exists()

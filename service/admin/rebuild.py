"""Rebuilding the index in the background after a change to the documents, one build at a time.

A change leaves a `pending` mark in the build folder and starts a runner process
(`python -m service.admin.rebuild`). Runners take an exclusive lock on a file there (so one
build runs at a time, across all the workers that share the instance folder); the runner that
holds it builds while a mark is pending, removing the mark before it reads the folder, so no
change is missed and changes made during a build get one more build. The running service
swaps in the new index by itself when its manifest changes (service.engine); a failed build
leaves the old index in place (index.build writes only a complete index).

`state.json` says what the last build did; `build.log` holds its progress bars (tqdm), whose
last line is the progress shown on the documents page.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

STATE = "state.json"
PENDING = "pending"
LOCK = "lock"
LOG = "build.log"
_PROGRESS = re.compile(r"(\d+)/(\d+)")


@dataclass
class BuildState:
    state: str = "none"  # none, queued, running, done, failed, interrupted
    started_at: str | None = None
    finished_at: str | None = None
    summary: str | None = None
    error: str | None = None
    skipped: list[dict] = field(default_factory=list)
    progress: str | None = None  # the progress bar's last line while running
    done: int | None = None
    total: int | None = None
    again: bool = False  # a change came in during this build: another one follows

    @property
    def busy(self) -> bool:
        return self.state in ("queued", "running")

    def to_dict(self) -> dict:
        return {**vars(self), "busy": self.busy}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_state(folder: Path, **values: object) -> None:
    tmp = folder / f"{STATE}.{os.getpid()}"
    tmp.write_text(json.dumps(values), encoding="utf-8")
    os.replace(tmp, folder / STATE)


def _locked(folder: Path) -> bool:
    """Whether a runner holds the lock right now (a build is running or about to)."""
    try:
        with (folder / LOCK).open("a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(fh, fcntl.LOCK_UN)
    except OSError:
        return False
    return False


def _last_line(path: Path, tail: int = 4096) -> str | None:
    try:
        with path.open("rb") as fh:
            fh.seek(max(0, path.stat().st_size - tail))
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return None
    lines = [p.strip() for p in re.split(r"[\r\n]+", text) if p.strip()]
    return lines[-1] if lines else None


def _read_values(folder: Path) -> dict:
    try:
        return json.loads((folder / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def read_state(folder: Path) -> BuildState:
    values = _read_values(folder)
    locked = _locked(folder)
    if values.get("state") == "running" and not locked:
        # The runner may have finished between the two looks: it writes its last state before
        # it lets the lock go, so a second look tells a finished build from a dead runner.
        values = _read_values(folder)
        locked = _locked(folder)
    state = BuildState(**{k: v for k, v in values.items() if k in BuildState.__dataclass_fields__})
    pending = (folder / PENDING).exists()
    if state.state == "running" and not locked:
        state.state = "interrupted"  # the runner died (its lock went with it)
    if pending and not state.busy:
        state.state = "queued"
    state.again = pending and state.state == "running"
    if state.state == "running":
        line = _last_line(folder / LOG)
        state.progress = line
        m = _PROGRESS.search(line or "")
        if m:
            state.done, state.total = int(m.group(1)), int(m.group(2))
    return state


def request_rebuild(
    folder: Path, src: Path, out: Path, model: str | None, options: dict[str, str] | None = None
) -> None:
    """Mark a build as needed and start a runner for it (it waits if one is running)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / PENDING).touch()
    command = [sys.executable, "-m", "service.admin.rebuild", "--state", str(folder)]
    command += ["--src", str(src), "--out", str(out)]
    if model:
        command += ["--model", model]
    for name, value in (options or {}).items():  # the encoder and model cache the service uses
        if value:
            command += [f"--{name}", str(value)]
    with (folder / "runner.err").open("ab") as err:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,  # a worker restart does not stop the build
            close_fds=True,
            cwd=Path(__file__).resolve().parents[2],  # where `service` imports from
        )
    threading.Thread(target=process.wait, daemon=True).start()  # reap it: no zombie


def wait_idle(folder: Path, timeout: float = 60.0) -> BuildState:
    """Block until no build is queued or running (for tests and scripts)."""
    deadline = time.monotonic() + timeout
    while True:
        state = read_state(folder)
        if not state.busy or time.monotonic() > deadline:
            return state
        time.sleep(0.1)


def run(folder: Path, src: Path, out: Path, model: str | None, options: dict | None = None) -> int:
    """The runner: build while a change is pending, holding the lock."""
    from index import IndexLibraryError, build, load_embedder  # the builder only here

    folder.mkdir(parents=True, exist_ok=True)
    embedder = None
    with (folder / LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # waits for a build in progress
        while (folder / PENDING).exists():
            started = _now()
            # "running" before the mark goes, so that a reader never sees neither; a change
            # made before the unlink is still read by this build, which starts after it
            _write_state(folder, state="running", started_at=started)
            (folder / PENDING).unlink(missing_ok=True)
            with (folder / LOG).open("w", encoding="utf-8") as log:
                sys.stderr = log
                try:
                    embedder = embedder or load_embedder(model, export=True, **(options or {}))
                    report = build(src, out, embedder, progress=True)
                    values = {
                        "state": "done",
                        # the first line, without the index folder it names
                        "summary": report.summary().splitlines()[0].rsplit(" -> ", 1)[0],
                        "skipped": [vars(s) for s in report.skipped],
                    }
                except (IndexLibraryError, OSError) as exc:
                    values = {"state": "failed", "error": str(exc)}
                except Exception as exc:  # report any failure on the page, keep the old index
                    traceback.print_exc()
                    values = {"state": "failed", "error": f"{type(exc).__name__}: {exc}"}
                finally:
                    sys.stderr = sys.__stderr__
            _write_state(folder, started_at=started, finished_at=_now(), **values)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.admin.rebuild")
    parser.add_argument("--state", required=True, help="the build folder (lock, state, log)")
    parser.add_argument("--src", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--model")
    parser.add_argument("--cache", help="where exported ONNX models are kept")
    parser.add_argument("--encoder", help="onnx, int8 or torch")
    args = parser.parse_args(argv)
    options = {k: v for k, v in (("cache", args.cache), ("encoder", args.encoder)) if v}
    return run(Path(args.state), Path(args.src), Path(args.out), args.model, options)


if __name__ == "__main__":
    sys.exit(main())

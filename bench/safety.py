"""Crisis detection on labelled message sets, as the service runs it (patterns, exemplars and
the learned signal through service.crisis.CrisisCheck with the real model).

    python bench/safety.py [FILE.jsonl ...]   (default: every safety set in tests/data)

Prints, per file: crisis recall, false alarms, greetings flagged, and every mistake. The
schemas `python -m service.crisis_model` reads: {"message", "label": "crisis_self"|...},
{"text", "crisis": bool, "kind"} and QA sets {"question", "kind"}.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from service import create_app, crisis_model  # noqa: E402


def read(path: Path) -> list[tuple[str, bool, str]]:
    """(message, is a crisis, kind) of each labelled line (the schemas crisis_model reads)."""
    kinds = crisis_model.kinds_of(path)
    return [(text, crisis, kinds.get(text, "")) for text, crisis in crisis_model.labelled(path)]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("files", nargs="*", type=Path)
    args = p.parse_args(argv)
    files = args.files or sorted((ROOT / "tests" / "data").glob("safety_*.jsonl"))
    settings = {"INSTANCE_PATH": "/tmp/bench-safety", "MODEL_CACHE": str(ROOT / "instance/models")}
    crisis = create_app(settings).extensions["toolkit_assistant"].crisis
    if crisis.signals("hello").similarity is None:
        print("the model could not be loaded: run `make run` or `python -m index.onnx_export`")
        return 2
    for path in files:
        rows = read(path)
        flagged = [crisis.assess(text).crisis for text, _, _ in rows]
        positives = [f for f, (_, c, _) in zip(flagged, rows, strict=True) if c]
        negatives = [f for f, (_, c, _) in zip(flagged, rows, strict=True) if not c]
        by_kind: Counter[str] = Counter()
        wrong_by_kind: Counter[str] = Counter()
        for f, (_, c, kind) in zip(flagged, rows, strict=True):
            by_kind[kind] += 1
            wrong_by_kind[kind] += f != c
        greetings = [f for f, (_, _, k) in zip(flagged, rows, strict=True) if k == "greeting"]
        print(f"== {path.name}")
        print(
            f"crisis recall {sum(positives)}/{len(positives)}"
            f" = {sum(positives) / max(1, len(positives)):.3f}; "
            f"false alarms {sum(negatives)}/{len(negatives)}"
            f" = {sum(negatives) / max(1, len(negatives)):.3f}"
            + (f"; greetings flagged {sum(greetings)}/{len(greetings)}" if greetings else "")
        )
        print(
            "mistakes by kind: "
            + ", ".join(f"{k} {wrong_by_kind[k]}/{n}" for k, n in by_kind.items())
        )
        for f, (text, c, kind) in zip(flagged, rows, strict=True):
            if f != c:
                print(f"  {'MISSED' if c else 'FALSE ALARM'} [{kind}] {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What /ask answers, per QA set: answered, declined, evidence quoted, follow-ups, latency.

    .venv/bin/python bench/answers.py [QA.jsonl ...] [--docs DIR] [--show N] [--no-torch]

With no files: the development sets the judge is trained on (tests/data/qa.jsonl,
tests/data/qa_external.jsonl, service/data/answer_dev.jsonl, service/data/answer_train.jsonl,
and the fifteen earlier held-out sets, now development data: tests/data/qa_heldout.jsonl to
tests/data/qa_heldout15.jsonl). Figures on a set the judge was trained on flatter it: `python
-m service.judge check` prints each set judged by a judge trained on the others.
Each file has the schema of tests/data/qa_heldout.jsonl, one question a line: "id",
"question", "kind" ("answerable", "unanswerable"; "crisis" and "crisis_info" are counted
apart), "answers" ([{"document", "pages"}]), "evidence" (a phrase of the sentence that
answers) and, for a follow-up, "history" (the earlier user messages, oldest first).

Each file's questions go to the documents its answers name: docs_src/ or the shared external
corpus (--docs overrides). A real index of each corpus is refreshed in $TOOLKIT_BENCH_DIR
(default <tmp>/toolkit-bench) and the app made with `create_app` (the service's default
encoder, a fresh SQLite database, rate limits off) is called through Flask's test client, one
new question at a time (so each pays for its query embedding). Printed for every file:

- answered: share of answerable questions (and crisis_info ones) given an answer;
- declined: share of questions the documents do not cover that got the fixed sentence;
- evidence: share of the answers to answerable questions that contain the labelled evidence
  phrase (case and spacing ignored, citation markers removed);
- follow-ups (items with "history"): recall@5 of the labelled pages with the history and
  with the follow-up searched alone;
- /ask p50 in ms, and a bare torch `encode` of the same questions in the same run (--no-torch
  skips it), with their ratio.

--show N prints N answers (question, answer, evidence found or not) to read by hand.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import workload

ROOT = workload.ROOT
DEFAULT_SETS = (
    ROOT / "tests" / "data" / "qa.jsonl",
    ROOT / "tests" / "data" / "qa_external.jsonl",
    ROOT / "service" / "data" / "answer_dev.jsonl",
    ROOT / "service" / "data" / "answer_train.jsonl",
    ROOT / "tests" / "data" / "qa_heldout.jsonl",
    ROOT / "tests" / "data" / "qa_heldout2.jsonl",
    ROOT / "tests" / "data" / "qa_heldout3.jsonl",
    ROOT / "tests" / "data" / "qa_heldout4.jsonl",
    ROOT / "tests" / "data" / "qa_heldout5.jsonl",
    ROOT / "tests" / "data" / "qa_heldout6.jsonl",
    ROOT / "tests" / "data" / "qa_heldout7.jsonl",
    ROOT / "tests" / "data" / "qa_heldout8.jsonl",
    ROOT / "tests" / "data" / "qa_heldout9.jsonl",
    ROOT / "tests" / "data" / "qa_heldout10.jsonl",
    ROOT / "tests" / "data" / "qa_heldout11.jsonl",
    ROOT / "tests" / "data" / "qa_heldout12.jsonl",
    ROOT / "tests" / "data" / "qa_heldout13.jsonl",
    ROOT / "tests" / "data" / "qa_heldout14.jsonl",
    ROOT / "tests" / "data" / "qa_heldout15.jsonl",
)
_MARKER = re.compile(r"\s*\[\d+\]")


def norm(text: str) -> str:
    text = _MARKER.sub("", text).replace("’", "'").replace("‘", "'")
    text = text.replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass
class Result:
    name: str
    answerable: int = 0
    answered: int = 0
    uncovered: int = 0
    declined: int = 0
    with_evidence: int = 0
    evidence_found: int = 0
    followups: int = 0
    followup_hits: int = 0
    followup_hits_alone: int = 0
    ask_ms: list[float] = field(default_factory=list)
    torch_ms: list[float] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def corpus_of(rows: list[dict], override: Path | None) -> Path:
    if override:
        return override
    names = {a["document"] for r in rows for a in r.get("answers", [])}
    bundled = {p.name for p in workload.DOCS.glob("*.pdf")}
    return workload.DOCS if not names or names <= bundled else workload.EXTERNAL


def make_client(index_dir: Path, docs: Path, tmp: Path):
    from service import create_app

    app = create_app(
        {
            "INDEX_DIR": str(index_dir),
            "DOCS_DIR": str(docs),
            "DATABASE": f"sqlite:///{tmp / 'bench.sqlite'}",
            "RATELIMIT_ENABLED": False,
        }
    )
    return app, app.test_client()


def recall_at_5(hits, row: dict) -> bool:
    wanted = {(a["document"], p) for a in row["answers"] for p in a["pages"]}
    return any(
        (h.document.filename, p) in wanted
        for h in hits[:5]
        for p in range(h.chunk.page_start, h.chunk.page_end + 1)
    )


def run_file(path: Path, args, torch_encoder) -> Result:
    rows = load(path)
    docs = corpus_of(rows, args.docs)
    index_dir = workload.cached_index(docs, docs.name)
    result = Result(str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path))
    with tempfile.TemporaryDirectory() as tmp:
        app, client = make_client(index_dir, docs, Path(tmp))
        client.post("/api/v1/ask", json={"question": "warm up the model and the index"})
        for row in rows:
            body = {"question": row["question"]}
            if row.get("history"):
                body["history"] = [{"role": "user", "content": m} for m in row["history"]]
            t0 = time.perf_counter()
            response = client.post("/api/v1/ask", json=body)
            result.ask_ms.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{row['id']}: /ask returned {response.status_code}")
            reply = response.get_json()
            if torch_encoder is not None:
                t0 = time.perf_counter()
                torch_encoder.encode([row["question"]])
                result.torch_ms.append((time.perf_counter() - t0) * 1000)
            score(result, row, reply)
            if row.get("history") and row.get("answers"):
                followup(result, row, app)
    return result


def score(result: Result, row: dict, reply: dict) -> None:
    kind = row["kind"]
    if kind in ("answerable", "crisis_info"):
        result.answerable += 1
        result.answered += reply["answered"]
        if reply["answered"] and row.get("evidence"):
            result.with_evidence += 1
            found = norm(row["evidence"]) in norm(reply["answer"])
            result.evidence_found += found
            result.shown.append(
                f"[{row['id']}] {row['question']}\n  -> {reply['answer']}\n"
                f"  evidence {'FOUND' if found else 'missing'}: {row['evidence']}"
            )
        elif not reply["answered"]:
            result.shown.append(f"[{row['id']}] {row['question']}\n  -> DECLINED (answerable)")
    elif kind == "unanswerable":
        result.uncovered += 1
        result.declined += not reply["answered"]
        if reply["answered"]:
            result.shown.append(
                f"[{row['id']}] {row['question']}\n  -> ANSWERED (not covered): {reply['answer']}"
            )


def followup(result: Result, row: dict, app) -> None:
    index = app.extensions["toolkit"].index()  # the app's engine: its index and encoder
    result.followups += 1
    result.followup_hits += recall_at_5(
        index.search(row["question"], 5, history=row["history"]), row
    )
    result.followup_hits_alone += recall_at_5(index.search(row["question"], 5), row)


def share(a: int, b: int) -> str:
    return f"{a / b:6.1%} ({a}/{b})" if b else "     -"


def report(r: Result) -> str:
    ask = statistics.median(r.ask_ms)
    lines = [
        f"{r.name}",
        f"  answered (answerable)   {share(r.answered, r.answerable)}",
        f"  declined (not covered)  {share(r.declined, r.uncovered)}",
        f"  evidence in the answer  {share(r.evidence_found, r.with_evidence)}",
    ]
    if r.followups:
        lines.append(
            f"  follow-ups recall@5     with history {share(r.followup_hits, r.followups)}, "
            f"alone {share(r.followup_hits_alone, r.followups)}"
        )
    line = f"  /ask p50                {ask:6.1f} ms"
    if r.torch_ms:
        torch = statistics.median(r.torch_ms)
        line += f"   torch encode p50 {torch:.1f} ms   ratio {ask / torch:.2f}x"
    lines.append(line)
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("files", nargs="*", type=Path, help="QA files (default: the sets above)")
    p.add_argument("--docs", type=Path, default=None, help="the documents every file asks about")
    p.add_argument("--show", type=int, default=0, help="print this many answers per file")
    p.add_argument("--no-torch", action="store_true", help="skip the torch encode reference")
    args = p.parse_args()
    torch_encoder = None
    if not args.no_torch:
        from index import load_embedder

        torch_encoder = load_embedder(None, encoder="torch")
        torch_encoder.encode(["warm up"])
    for path in args.files or DEFAULT_SETS:
        result = run_file(path.resolve(), args, torch_encoder)
        print(report(result), flush=True)
        for text in result.shown[: args.show]:
            print(text)


if __name__ == "__main__":
    main()

"""A small learned crisis signal: logistic regression on the retrieval model's own embeddings.

Patterns and exemplar similarity (service/safety.py) alone found 21 of the 55 crisis messages
of a held-out set written independently of them (tests/data/safety_test.jsonl); the many ways
people say it ("gave my dog to my sister, won't need her where I'm going") outrun any list. A
linear model over the sentence embedding, trained on labelled messages, generalises much
better, and costs one dot product: the question's vector is computed once per question and
shared with retrieval (plus one batch encode of the sentences of a message of 25 words or more,
because a disclosure inside a long practical question is diluted in the whole message's vector).

The weights are data (service/crisis_model.json), made by `python -m service.crisis_model train`
from the development data in service/data/crisis/ (scikit-learn, deterministic) and tied to the
embedding model's fingerprint: with another model (or the test suite's hashing embedder) the
signal is off and safety falls back to patterns and exemplars. Every message is trained on
twice, as written and with seeded keyboard slips (`with_slips`), in both classes: people in
crisis misspell as much as anyone, and the signal must not learn that typos mean "practical".

`python -m service.crisis_model check [FILE.jsonl ...]` prints the whole check's recall and
false alarms (patterns, exemplars and this signal, as the service runs them) on the development
data (cross-validated: each message judged by a model trained without it) and on every other
labelled set it is given or finds in tests/data, which training never reads.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("crisis_model.json")
DATA = Path(__file__).with_name("data") / "crisis"
# development data: every file training reads, in DATA
# (qa_questions_round3: the questions of the answer judge's development sets, QA_SOURCES, that
# qa_questions.jsonl lacks: everyday practical questions, the learned signal's commonest
# false alarm once messages with a disclosure inside a practical question were trained on)
# (was_heldout_round1..15: copies of tests/data/safety_test.jsonl, safety_heldout.jsonl and
# safety_heldout3..15.jsonl, the held-out sets of earlier rounds, development data since they
# were reported; qa_questions_round4 to _round13: the questions of qa_heldout3/4.jsonl and of
# qa_heldout5..15 with their follow-up sets, likewise)
# (round4: keyword traps of many kinds, practical questions with typos, indirect and coded
# crises, someone else in danger now: registers the other files lack)
TRAINING = (
    "safety_dev.jsonl",
    "hard_cases.jsonl",
    "qa_questions.jsonl",
    "qa_questions_round3.jsonl",
    "qa_questions_round4.jsonl",
    "round3.jsonl",
    "round4.jsonl",
    "was_heldout_round1.jsonl",
    "was_heldout_round2.jsonl",
    "was_heldout_round3.jsonl",
    "was_heldout_round4.jsonl",
    "was_heldout_round5.jsonl",
    "was_heldout_round6.jsonl",
    "qa_questions_round5.jsonl",
    "was_heldout_round7.jsonl",
    "qa_questions_round6.jsonl",
    "was_heldout_round8.jsonl",
    "qa_questions_round7.jsonl",
    "was_heldout_round9.jsonl",
    "qa_questions_round8.jsonl",
    "was_heldout_round10.jsonl",
    "qa_questions_round9.jsonl",
    "was_heldout_round11.jsonl",
    "qa_questions_round10.jsonl",
    "was_heldout_round12.jsonl",
    "qa_questions_round11.jsonl",
    "was_heldout_round13.jsonl",
    "qa_questions_round12.jsonl",
    "was_heldout_round14.jsonl",
    "was_heldout_round15.jsonl",
    "qa_questions_round13.jsonl",
)
# labelled sets training never reads, reported by `check` when present (every earlier set is
# development data now: pass a new held-out set to `check` as an argument)
TESTS = Path(__file__).resolve().parents[1] / "tests" / "data"
REPORTED: tuple[str, ...] = ()
# where qa_questions_round3.jsonl's questions come from (relative to the repository)
QA_SOURCES = (
    "service/data/answer_train.jsonl",
    "service/data/answer_dev.jsonl",
    "tests/data/qa_heldout.jsonl",
    "tests/data/qa_heldout2.jsonl",
)
# ... and qa_questions_round4.jsonl's (dev, was held out)
QA_SOURCES_ROUND4 = ("tests/data/qa_heldout3.jsonl", "tests/data/qa_heldout4.jsonl")
# ... and, in order, each later copy's: a QA held-out set and its follow-ups (dev, were held
# out in rounds 4 to 6), the questions no earlier copy has
QA_SOURCES_LATER = {
    "qa_questions_round5.jsonl": (
        "tests/data/qa_heldout5.jsonl",
        "tests/data/followups_heldout5.jsonl",
    ),
    "qa_questions_round6.jsonl": (
        "tests/data/qa_heldout6.jsonl",
        "tests/data/followups_heldout6.jsonl",
    ),
    "qa_questions_round7.jsonl": (
        "tests/data/qa_heldout7.jsonl",
        "tests/data/followups_heldout7.jsonl",
    ),
    "qa_questions_round8.jsonl": (
        "tests/data/qa_heldout8.jsonl",
        "tests/data/followups_heldout8.jsonl",
    ),
    "qa_questions_round9.jsonl": (
        "tests/data/qa_heldout9.jsonl",
        "tests/data/followups_heldout9.jsonl",
    ),
    "qa_questions_round10.jsonl": (
        "tests/data/qa_heldout10.jsonl",
        "tests/data/followups_heldout10.jsonl",
    ),
    "qa_questions_round11.jsonl": (
        "tests/data/qa_heldout11.jsonl",
        "tests/data/followups_heldout11.jsonl",
    ),
    "qa_questions_round12.jsonl": (
        "tests/data/qa_heldout12.jsonl",
        "tests/data/followups_heldout12.jsonl",
    ),
    "qa_questions_round13.jsonl": (
        "tests/data/qa_heldout13.jsonl",
        "tests/data/followups_heldout13.jsonl",
        "tests/data/qa_heldout14.jsonl",
        "tests/data/followups_heldout14.jsonl",
        "tests/data/qa_heldout15.jsonl",
        "tests/data/followups_heldout15.jsonl",
    ),
}
TRAIN_C = 4.0  # inverse regularisation, chosen by cross-validation on the development data
THRESHOLD = 0.65  # probability for the whole message (chosen by cross-validation)
PART_THRESHOLD = 0.85  # for one clause of several (safety.clauses): short parts are noisier
FOLDS = 5

Encode = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class CrisisModel:
    weights: np.ndarray
    bias: float
    fingerprint: str  # of the embedding model whose vectors it reads
    threshold: float = THRESHOLD
    part_threshold: float = PART_THRESHOLD

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        logits = np.asarray(vectors, dtype=np.float32) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-logits))

    def to_dict(self) -> dict:
        return {
            "fingerprint": self.fingerprint,
            "threshold": self.threshold,
            "part_threshold": self.part_threshold,
            "bias": self.bias,
            "weights": [round(float(w), 6) for w in self.weights],
        }

    @classmethod
    def from_dict(cls, data: dict) -> CrisisModel:
        return cls(
            weights=np.asarray(data["weights"], dtype=np.float32),
            bias=float(data["bias"]),
            fingerprint=str(data["fingerprint"]),
            threshold=float(data.get("threshold", THRESHOLD)),
            part_threshold=float(data.get("part_threshold", PART_THRESHOLD)),
        )


def load(path: Path = MODEL_PATH) -> CrisisModel | None:
    """The shipped model, or None when there is none."""
    try:
        return CrisisModel.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None


_TEXT_FIELDS = ("message", "question", "text")


def _rows(path: Path) -> list[dict]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _text(row: dict) -> str:
    return next(row[k] for k in _TEXT_FIELDS if k in row)


def _is_crisis(row: dict) -> bool:
    """A boolean "crisis" field, else a "label" (safety sets) or "kind" (QA sets) that starts
    with "crisis"."""
    if isinstance(row.get("crisis"), bool):
        return row["crisis"]
    return str(row.get("label", row.get("kind", ""))).lower().startswith("crisis")


def labelled(path: Path) -> list[tuple[str, bool]]:
    """(message, is a crisis) of a JSONL file: safety sets ({"message", "label": "crisis..."}),
    QA sets ({"question", "kind": "crisis"|...}) or {"text", "crisis": bool}."""
    return [(_text(r), _is_crisis(r)) for r in _rows(path)]


def training_set(data: Path = DATA) -> tuple[list[str], list[bool]]:
    """The development data (TRAINING) and the crisis exemplars, as written."""
    from .safety import EXEMPLARS

    rows = [row for name in TRAINING for row in labelled(data / name)]
    rows += [(text, True) for text in EXEMPLARS]
    return [t for t, _ in rows], [y for _, y in rows]


_NEIGHBOURS = dict(zip("qwertyuiopasdfghjklzxcvbnm", "wqetryuoipsadgfhkjlzcxbvnm", strict=True))


def with_slips(text: str) -> str:
    """`text` as typed in a hurry: lower case, apostrophes dropped, and about one word in four
    of four letters or more with one slip (a letter dropped, doubled, swapped with the next, or
    the key beside it). Seeded by the text itself, so training is deterministic."""
    rng = random.Random(zlib.crc32(text.encode("utf-8")))
    words = []
    for word in text.lower().replace("'", "").replace("’", "").split():
        if len(word) >= 4 and word.isalpha() and rng.random() < 0.25:
            i = rng.randrange(1, len(word) - 1)
            slip = rng.randrange(4)
            if slip == 0:
                word = word[:i] + word[i + 1 :]
            elif slip == 1:
                word = word[:i] + word[i] + word[i:]
            elif slip == 2:
                word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
            else:
                word = word[:i] + _NEIGHBOURS.get(word[i], word[i]) + word[i + 1 :]
        words.append(word)
    return " ".join(words)


def fit(
    texts: Sequence[str],
    labels: Sequence[bool],
    vectors: Callable[[list[str]], np.ndarray],
    *,
    fingerprint: str,
    c: float = TRAIN_C,
    threshold: float = THRESHOLD,
    part_threshold: float = PART_THRESHOLD,
) -> CrisisModel:
    """Logistic regression on the messages and their slipped copies (see the module notes)."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    from .safety import without_idioms

    texts = [without_idioms(t) or t for t in texts]  # as the check reads them (crisis.py)
    slipped = [with_slips(t) for t in texts]
    x = np.concatenate([vectors(list(texts)), vectors(slipped)])
    y = np.asarray(list(labels) * 2)
    fitted = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
    # one BLAS thread: the solution moves by up to 0.13 in a weight with the thread count (the
    # service holds BLAS to one thread, a shell does not), and the shipped weights must be
    # what the data makes wherever they are retrained
    with threadpool_limits(1):
        fitted.fit(x, y)
    weights = fitted.coef_[0].astype(np.float32)
    return CrisisModel(weights, float(fitted.intercept_[0]), fingerprint, threshold, part_threshold)


def train(encode: Encode, fingerprint: str, data: Path = DATA) -> CrisisModel:
    texts, labels = training_set(data)
    return fit(texts, labels, encode, fingerprint=fingerprint)


def save(model: CrisisModel, path: Path = MODEL_PATH, trained_on: Sequence[str] = ()) -> None:
    record = {
        "about": "logistic regression on sentence embeddings; see service/crisis_model.py",
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "trained_on": list(trained_on),
        **model.to_dict(),
    }
    Path(path).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


class CachedEncode:
    """`encode` that remembers every vector (evaluation encodes the same texts many times)."""

    def __init__(self, encode: Encode) -> None:
        self._encode = encode
        self._seen: dict[str, np.ndarray] = {}

    def __call__(self, texts: list[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self._seen]
        if new:
            self._seen.update(zip(new, self._encode(new), strict=True))
        return np.stack([self._seen[t] for t in texts])


@dataclass(frozen=True)
class Figures:
    name: str
    caught: int
    crises: int
    false_alarms: int
    others: int
    missed: tuple[str, ...]
    alarms: tuple[str, ...]
    kinds: tuple[tuple[str, int, int], ...] = ()  # (kind, flagged, messages), when rows have one

    def line(self) -> str:
        text = (
            f"{self.name}: {self.caught} of {self.crises} crises flagged, "
            f"{self.false_alarms} false alarms of {self.others}"
        )
        return text + "".join(f"\n  {k}: {f} of {n} flagged" for k, f, n in self.kinds)


def figures(
    name: str,
    rows: Iterable[tuple[str, bool]],
    judge: Callable[[str], bool],
    kinds: dict[str, str] | None = None,
) -> Figures:
    """Recall and false alarms of `judge` on `rows`; `kinds` (message -> kind) breaks them
    down by kind."""
    rows = list(rows)
    flagged = [judge(text) for text, _ in rows]
    by_kind: dict[str, list[int]] = {}
    for (text, y), f in zip(rows, flagged, strict=True):
        if kinds and text in kinds:
            counts = by_kind.setdefault(f"{'crisis' if y else 'not crisis'}, {kinds[text]}", [0, 0])
            counts[0] += f
            counts[1] += 1
    return Figures(
        name,
        caught=sum(f for (_, y), f in zip(rows, flagged, strict=True) if y),
        crises=sum(y for _, y in rows),
        false_alarms=sum(f for (_, y), f in zip(rows, flagged, strict=True) if not y),
        others=sum(not y for _, y in rows),
        missed=tuple(t for (t, y), f in zip(rows, flagged, strict=True) if y and not f),
        alarms=tuple(t for (t, y), f in zip(rows, flagged, strict=True) if not y and f),
        kinds=tuple((k, f, n) for k, (f, n) in sorted(by_kind.items())),
    )


def kinds_of(path: Path) -> dict[str, str]:
    """message -> its kind (or, without one, its label or category), to break figures down."""
    out = {}
    for r in _rows(path):
        kind = r.get("kind") or r.get("category") or r.get("label")
        if kind is not None:
            out[_text(r)] = str(kind)
    return out


def cross_validated(
    encode: Encode,
    fingerprint: str,
    data: Path = DATA,
    c: float = TRAIN_C,
    folds: int = FOLDS,
    **thresholds: float,
) -> list[Figures]:
    """The whole check on each development file, every message judged by a model trained on
    the other folds (the exemplars are always in training: they are part of the detector)."""
    from sklearn.model_selection import StratifiedKFold

    from .crisis import judge
    from .safety import EXEMPLARS

    encode = encode if isinstance(encode, CachedEncode) else CachedEncode(encode)
    exemplars = encode(list(EXEMPLARS))
    files = {name: labelled(data / name) for name in TRAINING}
    rows = [(name, t, y) for name, r in files.items() for t, y in r]
    flagged: dict[int, bool] = {}
    split = StratifiedKFold(folds, shuffle=True, random_state=0)
    for train_at, test_at in split.split(np.zeros(len(rows)), [y for _, _, y in rows]):
        texts = [rows[i][1] for i in train_at] + list(EXEMPLARS)
        labels = [rows[i][2] for i in train_at] + [True] * len(EXEMPLARS)
        model = fit(texts, labels, encode, fingerprint=fingerprint, c=c, **thresholds)
        for i in test_at:
            text = rows[i][1]
            flagged[i] = judge(text, encode, exemplars, model).crisis
    out = []
    for name in files:
        at = [i for i, (n, _, _) in enumerate(rows) if n == name]
        verdicts = {rows[i][1]: flagged[i] for i in at}
        out.append(
            figures(
                f"{name} (cross-validated)",
                [rows[i][1:] for i in at],
                verdicts.__getitem__,
                kinds_of(data / name),
            )
        )
    return out


def left_out(
    encode: Encode, fingerprint: str, data: Path = DATA, c: float = TRAIN_C, **thresholds: float
) -> list[Figures]:
    """The whole check on each development file, judged by a model trained on all the others
    only: the closest proxy here for a new set written by someone else (cross-validation
    shares each file's author, register and kinds between training and test)."""
    from .crisis import judge
    from .safety import EXEMPLARS

    encode = encode if isinstance(encode, CachedEncode) else CachedEncode(encode)
    exemplars = encode(list(EXEMPLARS))
    files = {name: labelled(data / name) for name in TRAINING}
    out = []
    for name, rows in files.items():
        others = [r for n, f in files.items() if n != name for r in f]
        texts = [t for t, _ in others] + list(EXEMPLARS)
        labels = [y for _, y in others] + [True] * len(EXEMPLARS)
        model = fit(texts, labels, encode, fingerprint=fingerprint, c=c, **thresholds)
        verdict = {t: judge(t, encode, exemplars, model).crisis for t, _ in rows}
        out.append(figures(f"{name} (left out)", rows, verdict.__getitem__, kinds_of(data / name)))
    return out


def report(encode: Encode, model: CrisisModel, paths: dict[str, Path]) -> list[Figures]:
    """The whole check, with `model`, on each labelled set, broken down by kind or label."""
    from .crisis import judge
    from .safety import EXEMPLARS

    encode = encode if isinstance(encode, CachedEncode) else CachedEncode(encode)
    exemplars = encode(list(EXEMPLARS))
    return [
        figures(
            name,
            labelled(path),
            lambda t: judge(t, encode, exemplars, model).crisis,
            kinds_of(path),
        )
        for name, path in paths.items()
    ]


def main(argv: list[str] | None = None) -> int:
    from index import load_embedder

    parser = argparse.ArgumentParser(prog="python -m service.crisis_model", description=__doc__)
    parser.add_argument("command", choices=("train", "check"))
    parser.add_argument("sets", nargs="*", type=Path, help="check: more labelled JSONL sets")
    parser.add_argument("--model", default=None, help="embedding model (default: $TOOLKIT_MODEL)")
    parser.add_argument("-v", "--verbose", action="store_true", help="check: list the mistakes")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the bundled weights are local: no hub
    embedder = load_embedder(
        args.model or os.environ.get("TOOLKIT_MODEL") or None,
        encoder=os.environ.get("TOOLKIT_ENCODER") or None,
        cache=os.environ.get("TOOLKIT_MODEL_CACHE") or None,
        export=True,  # a development command: it may make the ONNX export once
    )
    encode = CachedEncode(embedder.encode)

    if args.command == "train":
        model = train(encode, embedder.fingerprint)
        save(model, trained_on=[*TRAINING, "safety.EXEMPLARS", "with_slips"])
        print(f"wrote {MODEL_PATH} for model {embedder.name} ({embedder.fingerprint})")
        return 0
    model = load()
    if model is None or model.fingerprint != embedder.fingerprint:
        print("no crisis model for this embedding model: run `train` first", file=sys.stderr)
        return 1
    found = [p for p in (TESTS / n for n in REPORTED) if p.exists()]
    sets = {f"{p.parent.name}/{p.name}": p for p in found}
    sets.update({str(p): p for p in args.sets})
    results = (
        cross_validated(encode, embedder.fingerprint)
        + left_out(encode, embedder.fingerprint)
        + report(encode, model, sets)
    )
    for result in results:
        print(result.line())
        if args.verbose:
            for text in result.missed:
                print(f"  missed: {text}")
            for text in result.alarms:
                print(f"  false alarm: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

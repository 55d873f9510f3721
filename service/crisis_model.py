"""A small learned crisis signal: logistic regression on the retrieval model's own embeddings.

Patterns and exemplar similarity (service/safety.py) found 21 of the 55 crisis messages of a
held-out set written independently of them (tests/data/safety_test.jsonl); the many ways people
say it ("gave my dog to my sister, won't need her where I'm going") outrun any list. A linear
model over the sentence embedding, trained on labelled messages, generalises much better, and
costs nothing at run time: the question's vector is computed for retrieval anyway, so the signal
is one dot product (plus one batch encode of the sentences of a message of 25 words or more,
because a disclosure inside a long practical question is diluted in the whole message's vector).

The weights are data (service/crisis_model.json), made by `python -m service.crisis_model train`
from the labelled sets in tests/data (scikit-learn, deterministic) and tied to the embedding
model's fingerprint: with another model (or the test suite's hashing embedder) the signal is
off and safety falls back to patterns and exemplars. `python -m service.crisis_model check`
prints recall and false alarms on the held-out set, which training never reads.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("crisis_model.json")
DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
TRAIN_C = 16.0  # inverse regularisation: the best held-out recall with no false alarm there
THRESHOLD = 0.5  # probability for the whole message
PART_THRESHOLD = 0.85  # stricter for one sentence of several: short parts are noisier
MIN_PART_WORDS = 5  # "is that ok?" on its own reads as anything
MIN_SPLIT_WORDS = 25  # shorter messages: the whole vector already carries each sentence
# sentence boundaries, and the joins where a practical question turns into something else
_PARTS = re.compile(r"(?<=[.!?])\s+|\n+|\s+-\s+|,\s+(?:also|and also|anyway|but)\s+")

Encode = Callable[[list[str]], np.ndarray]
# what training reads, in tests/data (never safety_test.jsonl, the held-out set)
SAFETY_TRAINING = "safety_dev.jsonl"
QA_TRAINING = ("qa.jsonl", "qa_heldout.jsonl", "qa_external.jsonl")


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

    def probability(self, text: str, vector: np.ndarray, encode: Encode) -> float:
        """The message's crisis probability: the whole message's, or `threshold` when, in a
        message of MIN_SPLIT_WORDS or more, one sentence alone reaches `part_threshold`."""
        whole = float(self.probabilities(vector[None, :])[0])
        if whole >= self.threshold or len(text.split()) < MIN_SPLIT_WORDS:
            return whole
        parts = [
            p for p in _PARTS.split(text) if len(p.split()) >= MIN_PART_WORDS and p.strip() != text
        ]
        if parts and float(self.probabilities(encode(parts)).max()) >= self.part_threshold:
            return self.threshold
        return whole

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


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def training_set(data: Path = DATA) -> tuple[list[str], list[bool]]:
    """Labelled messages: the dev safety set, the QA sets' questions (crisis or not) and the
    crisis exemplars. Never the held-out safety_test.jsonl."""
    from .safety import EXEMPLARS

    texts: list[str] = []
    labels: list[bool] = []
    for row in _jsonl(data / SAFETY_TRAINING):
        texts.append(row["message"])
        labels.append(row["label"].startswith("crisis"))
    for name in QA_TRAINING:
        for row in _jsonl(data / name):
            texts.append(row["question"])
            labels.append(row["kind"] == "crisis")
    texts += list(EXEMPLARS)
    labels += [True] * len(EXEMPLARS)
    return texts, labels


def train(encode: Encode, fingerprint: str, data: Path = DATA) -> CrisisModel:
    from sklearn.linear_model import LogisticRegression

    texts, labels = training_set(data)
    fitted = LogisticRegression(C=TRAIN_C, class_weight="balanced", max_iter=5000)
    fitted.fit(encode(texts), np.asarray(labels))
    return CrisisModel(fitted.coef_[0].astype(np.float32), float(fitted.intercept_[0]), fingerprint)


def save(model: CrisisModel, path: Path = MODEL_PATH, trained_on: Sequence[str] = ()) -> None:
    record = {
        "about": "logistic regression on sentence embeddings; see service/crisis_model.py",
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "trained_on": list(trained_on),
        **model.to_dict(),
    }
    Path(path).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    from index import load_embedder

    parser = argparse.ArgumentParser(prog="python -m service.crisis_model", description=__doc__)
    parser.add_argument("command", choices=("train", "check"))
    parser.add_argument("--model", default=None, help="embedding model (default: $TOOLKIT_MODEL)")
    args = parser.parse_args(argv)
    embedder = load_embedder(args.model)
    encode = embedder.encode

    if args.command == "train":
        model = train(encode, embedder.fingerprint)
        save(model, trained_on=[SAFETY_TRAINING, *QA_TRAINING, "safety.EXEMPLARS"])
        print(f"wrote {MODEL_PATH} for model {embedder.name} ({embedder.fingerprint})")
        return 0
    model = load()
    if model is None or model.fingerprint != embedder.fingerprint:
        print("no crisis model for this embedding model: run `train` first", file=sys.stderr)
        return 1
    rows = _jsonl(DATA / "safety_test.jsonl")
    vectors = encode([r["message"] for r in rows])
    flagged = [
        model.probability(r["message"], v, encode) >= model.threshold
        for r, v in zip(rows, vectors, strict=True)
    ]
    crisis = [f for r, f in zip(rows, flagged, strict=True) if r["label"].startswith("crisis")]
    other = [f for r, f in zip(rows, flagged, strict=True) if not r["label"].startswith("crisis")]
    print(
        f"held-out {DATA / 'safety_test.jsonl'}: the learned signal alone flags "
        f"{sum(crisis)} of {len(crisis)} crisis messages, {sum(other)} of {len(other)} others"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

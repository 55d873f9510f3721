"""Whether the passages found answer the question: a small calibrated model over features.

One similarity score with a hand-set threshold cannot tell "the toolkit talks about room
hire" from "the toolkit says what room hire costs", and its word-coverage half falls as a
question grows longer with context. The judgement here reads, for the question (or one part
of it) and its top passages:

- how similar the best sentences and passages are (cosines computed by the search: no
  extra encode), and the margin of the best passage over the next ones;
- how much of the question's words the best passage contains, for the whole message, for
  its best-covered clause and for the clause that asks (context first, question last);
- what the question asks for (an amount of money, a number, a date or time, a named service
  or place, a person by role; a number counting what "how many" asks about, a duration, a
  frequency, a share, what the law requires: service/question.py) against what the best
  sentences contain, and whether they name the thing it asks a detail of ("minimum *age*");
  and whether the question names something (a town, a company) or uses words that the
  passages never contain;
- whether a best sentence says outright that the detail is not known or not given (quoting
  that is the right answer);
- how often questions like this one were answerable in the development data: a logistic
  regression over the question's own embedding (the vector the search computed: no extra
  encode), whose output is one more feature ("question_prior"). It learns what kinds of
  question the documents answer (a named local service, an exact price: rarely) from the
  wording as a whole, where the checks above read only the patterns they know. In training it
  is computed for each set by a prior trained on the other sets, as it will be for a question
  it has never seen.

A logistic regression over these (weights and feature scaling in service/data/
answer_judge.json) gives a probability that the passages answer; the threshold is set on
the development sets to answer at least `ANSWER_SHARE` of answerable questions. The weights
are made by `python -m service.judge train` from every development set (TRAINING, including
the two earlier held-out sets, now development data; scikit-learn; deterministic), and are
tied to the embedding model's fingerprint: with another model (the test suite's hashing
embedder) its cosines mean something else, and `for_model` falls back to the plain score
threshold. `python -m service.judge check` prints the figures on the training sets and, the
honest stand-in for a new held-out set, each set judged by a judge trained on the others.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from index import Hit

from . import question as q
from .sentences import candidates

MODEL_PATH = Path(__file__).parent / "data" / "answer_judge.json"
ROOT = Path(__file__).resolve().parents[1]
TRAINING = (
    ("bundled", "tests/data/qa.jsonl"),
    ("external", "tests/data/qa_external.jsonl"),
    ("bundled", "service/data/answer_dev.jsonl"),
    ("bundled", "service/data/answer_train.jsonl"),
    ("bundled", "tests/data/qa_heldout.jsonl"),  # dev (was held out, round 1)
    ("bundled", "tests/data/qa_heldout2.jsonl"),  # dev (was held out, round 2)
    ("bundled", "tests/data/qa_heldout3.jsonl"),  # dev (was held out, round 3)
    ("bundled", "tests/data/qa_heldout4.jsonl"),  # dev (was held out, round 3)
    ("bundled", "tests/data/qa_heldout5.jsonl"),  # dev (was held out, round 4)
    ("bundled", "tests/data/qa_heldout6.jsonl"),  # dev (was held out, round 5)
    ("bundled", "tests/data/qa_heldout7.jsonl"),  # dev (was held out, round 5, second set)
    ("bundled", "tests/data/qa_heldout8.jsonl"),  # dev (was held out, round 5, third set)
    ("bundled", "tests/data/qa_heldout9.jsonl"),  # dev (was held out, round 6)
    ("bundled", "tests/data/qa_heldout10.jsonl"),  # dev (was held out, round 6, second set)
    ("bundled", "tests/data/qa_heldout11.jsonl"),  # dev (was held out, round 6, third set)
    ("bundled", "tests/data/qa_heldout12.jsonl"),  # dev (was held out, round 6, fourth set)
    ("bundled", "tests/data/qa_heldout13.jsonl"),  # dev (was held out, round 7)
    ("bundled", "tests/data/qa_heldout14.jsonl"),  # dev (was held out, round 7, second set)
    ("bundled", "tests/data/qa_heldout15.jsonl"),  # dev (was held out, round 7, third set)
)
CORPORA = {
    "bundled": ROOT / "docs_src",
    "external": ROOT.parent / "shared" / "corpora" / "external",
}
# The share of answerable training questions the threshold answers (the held-out target); a
# cut chosen to come closest to both targets on the training data measured no better left out.
# 0.93 with the question prior: left out by set, the examiner-written sets were answered 90.4%
# and declined 88.6% (0.90: 87.1% / 92.1%; 0.94: 92.6% / 86.4%)
ANSWER_SHARE = 0.93
TRAIN_C = 0.03  # inverse regularisation: the best leave-one-set-out AUC of 0.01, 0.03, 0.1, 0.3
PRIOR_C = 3.0  # the question prior's (1.0 and 3.0 left out by set within a point; 0.1 worse)
POOL = 3  # passages whose sentences and words are read
BEST = 3  # sentences checked for the kind of detail asked for
FEATURES = (
    "best_sentence",  # highest cosine of a quotable sentence of the top passages
    "top_score",  # the index's score of the best passage (sentence cosine + coverage)
    "top_cosine",  # highest passage cosine
    "coverage",  # share of the message's content words in the best-covering passage
    "clause_coverage",  # the same for its best-covered clause
    "asking_coverage",  # the same for the clause that asks
    "margin",  # fused score of the best passage minus the mean of the next four
    "length",  # log(1 + content words)
    "kind_unmet",  # asks for a kind of detail no best sentence contains
    "money_unmet",  # ... an amount of money, the commonest near-topic gap
    "names_missing",  # share of the names it mentions absent from the passages
    "not_given",  # a best sentence says the detail is not known or not given
    "detail_unmet",  # asks how many X / how long / how often / what share / what the law says,
    # and no best sentence gives that (a number counting X, a duration...): question.wanted
    "asking_in_best",  # share of the asking clause's words in the best sentences
    "absent_words",  # asking-clause words in none of the five passages (0, 1/3, 2/3, 1: 3+)
    "long_absent",  # ... one of them a long (specific) word
    "second_score",  # the index's score of the second passage
    "asks_detail",  # the question asks for a detail at all (a kind or a wanted pattern)
    "absent_top",  # asking-clause words in none of the POOL best passages (as absent_words)
    "unmet_any",  # detail_unmet or kind_unmet
    "person_unmet",  # asks for a person by role and no best sentence names one
    "focus_missing",  # asks for a detail of something (question.focus) no best sentence names
    "focus_met",  # ... and a best sentence names it
)
PRIOR = "question_prior"  # the last input: P(answerable) from the question's embedding alone


@dataclass(frozen=True)
class Verdict:
    answers: bool
    probability: float


class Judge(Protocol):
    def judge(
        self, asked: q.Asked, whole: str, hits: Sequence[Hit], vector: np.ndarray | None = None
    ) -> Verdict:
        """Whether `hits` answer `asked` (the whole question or one part of `whole`);
        `vector`: the question's embedding, when the caller has it."""
        ...


def _words(text: str) -> set[str]:
    return set(q.content_words(text))


def _coverage(words: set[str], passages: list[set[str]]) -> float:
    if not words or not passages:
        return 0.0
    return max(len(words & p) for p in passages) / len(words)


def best_sentences(asked: q.Asked, hits: Sequence[Hit], n: int = BEST) -> list[tuple[float, str]]:
    """The `n` quotable sentences of the top passages that best match `asked`, with scores."""
    found = candidates(_words(asked.text), hits, POOL).values()
    return [(c.score, c.text) for c in sorted(found, key=lambda c: -c.score)[:n]]


def all_features(asked: q.Asked, whole: str, hits: Sequence[Hit]) -> dict[str, float]:
    """Every feature the judge may read, by name, for one question or part and its hits."""
    hits = list(hits)
    top = hits[:POOL]
    passages = [_words(f"{h.chunk.section or ''} {h.chunk.text}") for h in top]
    everywhere = set().union(*(_words(f"{h.chunk.section or ''} {h.chunk.text}") for h in hits))
    best = best_sentences(asked, hits)
    text = asked.text
    asking = q.asking_clause(text)
    asking_words = _words(asking)
    person_unmet = q.asks_person(asking) and not any(q.names_person(s) for _, s in best)
    clause_words = [_words(c) for c in q.clauses(text)]
    clause_words = [w for w in clause_words if len(w) >= 2] or [_words(text)]
    fused = [h.fused for h in hits[:5]]
    margin = fused[0] - float(np.mean(fused[1:])) if len(fused) > 1 else 0.0
    unmet = asked.kind is not None and not any(q.gives(s, asked.kind) for _, s in best)
    named = q.names(text)
    passage_text = " ".join(f"{h.chunk.section or ''} {h.chunk.text}" for h in top).lower()
    missing = sum(n not in passage_text for n in named) / len(named) if named else 0.0
    cosines = [c for h in top for c in h.sentence_scores] or [0.0]
    not_given = any(q.NOT_GIVEN.search(s) for _, s in best)
    pattern = q.wanted(asking if len(q.parts(whole)) == 1 else text)
    detail_unmet = (
        pattern is not None and not not_given and not any(pattern.search(s) for _, s in best)
    )
    best_words = set().union(*(_words(s) for _, s in best)) if best else set()
    absent = [w for w in asking_words if w not in everywhere]
    detail = pattern is not None or asked.kind is not None
    focus = q.focus(text) if detail else None
    focus_named = focus is not None and q.mentions(best_words, focus)
    return {
        "best_sentence": max((s for s, _ in best), default=max(cosines))
        if len(q.parts(whole)) == 1
        else max(cosines),
        "top_score": hits[0].score,
        "top_cosine": max(h.cosine for h in top),
        "coverage": _coverage(_words(text), passages),
        "clause_coverage": max(_coverage(w, passages) for w in clause_words),
        "asking_coverage": _coverage(asking_words, passages),
        "margin": margin,
        "length": math.log1p(len(q.content_words(text))),
        "kind_unmet": float(unmet),
        "money_unmet": float(unmet and asked.kind == "money"),
        "names_missing": missing,
        "not_given": float(not_given),
        "detail_unmet": float(detail_unmet),
        "asking_in_best": len(asking_words & best_words) / len(asking_words)
        if asking_words
        else 0.0,
        "absent_words": min(len(absent), 3) / 3,
        "long_absent": float(any(len(w) >= 6 for w in absent)),
        "second_score": hits[1].score if len(hits) > 1 else 0.0,
        "asks_detail": float(detail),
        "not_given_first": float(bool(best) and bool(q.NOT_GIVEN.search(best[0][1]))),
        "absent_top": min(sum(w not in set().union(*passages) for w in asking_words), 3) / 3,
        "unmet_any": float(detail_unmet or unmet),
        "person_unmet": float(person_unmet),
        # who holds a role, and no best sentence names a person (a rule, not a feature)
        "role_unmet": float(person_unmet and q.asks_role_holder(asking)),
        "focus_missing": float(focus is not None and not focus_named),
        "focus_met": float(focus_named),
    }


def features(asked: q.Asked, whole: str, hits: Sequence[Hit]) -> np.ndarray:
    """The judge's inputs (FEATURES, in order) for one question or part and its hits."""
    if not hits:
        return np.zeros(len(FEATURES), dtype=np.float64)
    values = all_features(asked, whole, hits)
    return np.asarray([values[name] for name in FEATURES], dtype=np.float64)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@dataclass(frozen=True)
class QuestionPrior:
    """P(the documents answer it) from a question's embedding alone (logistic regression)."""

    weights: np.ndarray
    bias: float

    def probability(self, vector: np.ndarray) -> float:
        return _sigmoid(float(np.asarray(vector, dtype=np.float64) @ self.weights + self.bias))


@dataclass(frozen=True)
class LearnedJudge:
    """Logistic regression over standardised features (FEATURES, then the question prior),
    for one embedding model."""

    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray
    threshold: float
    fingerprint: str
    prior: QuestionPrior | None = None

    def probability(self, values: np.ndarray) -> float:
        """`values`: FEATURES then question_prior (without a prior: FEATURES only)."""
        z = float(((values - self.mean) / self.scale) @ self.weights + self.bias)
        return _sigmoid(z)

    def prior_input(self, vector: np.ndarray | None) -> float:
        """The question prior of `vector`, or its training mean (which weighs nothing) when
        there is no vector (None; NaN in training: a part of a multi-part question)."""
        assert self.prior is not None
        if vector is None or np.isnan(vector).any():
            return float(self.mean[len(FEATURES)])
        return self.prior.probability(vector)

    def inputs(self, values: dict[str, float], vector: np.ndarray | None) -> np.ndarray:
        """The model's input row: the features, then the question prior (`prior_input`)."""
        row = [values[name] for name in FEATURES]
        if self.prior is not None:
            row.append(self.prior_input(vector))
        return np.asarray(row, dtype=np.float64)

    def judge(
        self, asked: q.Asked, whole: str, hits: Sequence[Hit], vector: np.ndarray | None = None
    ) -> Verdict:
        if not hits:
            return Verdict(False, 0.0)
        values = all_features(asked, whole, hits)
        p = self.probability(self.inputs(values, vector))
        # The best sentence says outright that the detail asked for is not given: quoting that
        # statement is the answer (issue 12), whatever the near-topic signals say.
        if values["not_given_first"] == 1.0:
            return Verdict(True, p)
        # Who holds a role, and no best sentence names a person: not answered, however close
        # the sentence naming the role is.
        if values["role_unmet"] == 1.0:
            return Verdict(False, p)
        return Verdict(p >= self.threshold, p)

    def to_dict(self) -> dict:
        names = list(FEATURES) + ([PRIOR] if self.prior is not None else [])
        out = {
            "features": names,
            "weights": [round(float(w), 6) for w in self.weights],
            "bias": round(self.bias, 6),
            "mean": [round(float(m), 6) for m in self.mean],
            "scale": [round(float(s), 6) for s in self.scale],
            "threshold": round(self.threshold, 4),
            "fingerprint": self.fingerprint,
        }
        if self.prior is not None:
            out["prior"] = {
                "weights": [round(float(w), 6) for w in self.prior.weights],
                "bias": round(self.prior.bias, 6),
            }
        return out

    @classmethod
    def from_dict(cls, data: dict) -> LearnedJudge:
        names = tuple(data["features"])
        if names not in (FEATURES, (*FEATURES, PRIOR)) or (names[-1] == PRIOR) != ("prior" in data):
            raise ValueError("the judge's weights were trained on other features: retrain it")
        prior = data.get("prior")
        return cls(
            weights=np.asarray(data["weights"], dtype=np.float64),
            bias=float(data["bias"]),
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            threshold=float(data["threshold"]),
            fingerprint=data["fingerprint"],
            prior=None
            if prior is None
            else QuestionPrior(
                np.asarray(prior["weights"], dtype=np.float64), float(prior["bias"])
            ),
        )


@dataclass(frozen=True)
class ScoreThreshold:
    """The fallback for a model the judge was not trained for: the best passage's score."""

    threshold: float

    def judge(
        self, asked: q.Asked, whole: str, hits: Sequence[Hit], vector: np.ndarray | None = None
    ) -> Verdict:
        score = hits[0].score if hits else 0.0
        return Verdict(score >= self.threshold, score)


@functools.lru_cache(maxsize=4)
def load(path: Path = MODEL_PATH) -> LearnedJudge | None:
    """The trained judge on disk (once per process), or None when there is none."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return LearnedJudge.from_dict(data)


def for_model(fingerprint: str, fallback_threshold: float, path: Path = MODEL_PATH) -> Judge:
    """The learned judge when it was trained on this embedding model's cosines, else the
    score threshold."""
    learned = load(path)
    if learned is not None and learned.fingerprint == fingerprint:
        return learned
    return ScoreThreshold(fallback_threshold)


# -- training and checking (python -m service.judge train|check) ------------------------------


def examples(path: Path) -> list[tuple[dict, q.Asked, int]]:
    """(row, what is judged, 1 if the documents answer it) for the non-crisis questions of a
    QA file. A question whose parts are labelled ("parts": [{"kind": ...}], as in
    service/data/answer_dev.jsonl) gives one example per part, as the composer judges them;
    any other gives one for the whole message, its kind read from the clause that asks."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if row["kind"] == "crisis":
            continue
        text = row["question"]
        found = q.parts(text)
        if "parts" in row and len(found) == len(row["parts"]):
            out += [  # a part without a kind (tests/data/qa_heldout2.jsonl) is answerable
                (row, a, int(p.get("kind") != "unanswerable"))
                for a, p in zip(found, row["parts"], strict=True)
            ]
        else:
            whole = found[0] if len(found) == 1 else q.Asked(text, q.kind_of(q.asking_clause(text)))
            out.append((row, whole, int(row["kind"] != "unanswerable")))
    return out


Examples = tuple[np.ndarray, np.ndarray, np.ndarray]  # features, labels, question vectors


def dataset(sets: Sequence[tuple[str, str]], indexes: dict) -> Examples:
    """Features, labels and question vectors (as the service searches them: no change-of-
    subject marker) of every example of the (corpus, QA file) sets."""
    from index import without_topic_change

    xs, ys, vs = [], [], []
    for corpus, rel in sets:
        for row, asked, label in examples(ROOT / rel):
            hits = indexes[corpus].search(row["question"], k=5, history=row.get("history") or ())
            xs.append(features(asked, row["question"], hits))
            ys.append(label)
            vector = indexes[corpus].query_vector(without_topic_change(row["question"]))
            # a question of several parts: its vector is not any one part's (see `compose`)
            vs.append(
                vector if len(q.parts(row["question"])) == 1 else np.full_like(vector, np.nan)
            )
    x = np.asarray(xs).reshape(len(xs), len(FEATURES))
    return x, np.asarray(ys, dtype=int), np.asarray(vs, dtype=np.float64).reshape(len(xs), -1)


def threshold(p: np.ndarray, y: np.ndarray, share: float = ANSWER_SHARE) -> float:
    """The highest cut that still answers `share` of the answerable examples of (p, y)."""
    answerable = np.sort(p[y == 1])
    return float(answerable[math.floor(round((1 - share) * len(answerable), 9))])


def fit_prior(v: np.ndarray, y: np.ndarray, c: float = PRIOR_C) -> QuestionPrior:
    """The question prior: logistic regression (balanced classes) over question vectors (rows
    of NaN, the parts of multi-part questions, left out)."""
    from sklearn.linear_model import LogisticRegression

    known = ~np.isnan(v).any(axis=1)
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    model.fit(v[known], y[known])
    return QuestionPrior(model.coef_[0].astype(np.float64), float(model.intercept_[0]))


def fit(x: np.ndarray, y: np.ndarray, fingerprint: str, c: float = TRAIN_C) -> LearnedJudge:
    """Logistic regression (balanced classes) on standardised inputs; the threshold is the
    highest that still answers ANSWER_SHARE of the answerable examples."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    model.fit((x - mean) / scale, y)
    judge = LearnedJudge(model.coef_[0], float(model.intercept_[0]), mean, scale, 0.5, fingerprint)
    cut = threshold(np.array([judge.probability(v) for v in x]), y)
    return LearnedJudge(judge.weights, judge.bias, mean, scale, cut, fingerprint)


def train_judge(sets: dict[str, Examples], fingerprint: str, c: float = TRAIN_C) -> LearnedJudge:
    """The judge trained on `sets`. Each set's question-prior input comes from a prior trained
    on the other sets (as for a question never seen: a prior's output on its own training
    questions is overconfident); the judge keeps the prior trained on them all."""
    names = list(sets)
    columns = []
    for name in names:
        others = [sets[k] for k in names if k != name]
        if others:
            prior = fit_prior(
                np.vstack([v for _, _, v in others]), np.concatenate([y for _, y, _ in others])
            )
            columns.append(np.array([_prior_input(prior, v) for v in sets[name][2]]))
        else:
            columns.append(np.full(len(sets[name][1]), np.nan))
    known = np.concatenate(columns)
    neutral = float(np.nanmean(known)) if np.isfinite(known).any() else 0.5
    columns = [np.where(np.isnan(col), neutral, col) for col in columns]
    x = np.vstack(
        [np.column_stack([sets[k][0], col]) for k, col in zip(names, columns, strict=True)]
    )
    y = np.concatenate([sets[k][1] for k in names])
    judge = fit(x, y, fingerprint, c)
    prior = fit_prior(np.vstack([sets[k][2] for k in names]), y)
    return LearnedJudge(
        judge.weights, judge.bias, judge.mean, judge.scale, judge.threshold, fingerprint, prior
    )


def _prior_input(prior: QuestionPrior, vector: np.ndarray) -> float:
    return math.nan if np.isnan(vector).any() else prior.probability(vector)


def _probabilities(judge: LearnedJudge, x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The judge's probabilities of feature rows `x` with question vectors `v` (NaN: none)."""
    return np.array(
        [
            judge.probability(np.append(row, judge.prior_input(q)))
            for row, q in zip(x, v, strict=True)
        ]
    )


def leave_one_set_out(
    sets: dict[str, Examples], fingerprint: str, c: float = TRAIN_C
) -> dict[str, tuple[float, float]]:
    """For each set: (answered, declined) by a judge (and question prior) trained on all the
    other sets, the honest stand-in for a new held-out set (a set with no such questions:
    nan)."""
    out = {}
    for held, (hx, hy, hv) in sets.items():
        judge = train_judge({k: v for k, v in sets.items() if k != held}, fingerprint, c)
        p = _probabilities(judge, hx, hv)
        answered = float(np.mean(p[hy == 1] >= judge.threshold)) if (hy == 1).any() else math.nan
        declined = float(np.mean(p[hy == 0] < judge.threshold)) if (hy == 0).any() else math.nan
        out[held] = (answered, declined)
    return out


def _indexes(model: str | None, cache: Path):
    """The embedder and real indexes of the two corpora, (re)built incrementally in `cache`."""
    from index import Index, ModelMismatchError, build, load_embedder

    embedder = load_embedder(model)
    out = {}
    for corpus, src in CORPORA.items():
        folder = cache / corpus
        try:
            build(src, folder, embedder, progress=False)
        except ModelMismatchError:
            build(src, folder, embedder, progress=False, force=True)
        out[corpus] = Index.open(folder, embedder)
    return embedder, out


def _figures(judge: LearnedJudge, x: np.ndarray, y: np.ndarray, v: np.ndarray) -> str:
    p = _probabilities(judge, x, v)
    answered = float(np.mean(p[y == 1] >= judge.threshold))
    declined = float(np.mean(p[y == 0] < judge.threshold))
    return (
        f"answered {answered:.1%} of {int(y.sum())} answerable, "
        f"declined {declined:.1%} of {int((1 - y).sum())} not covered"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m service.judge", description=__doc__.split("\n")[0])
    p.add_argument("command", choices=("train", "check"))
    p.add_argument("--model", default=None, help="embedding model (default: the service's)")
    p.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "toolkit-judge")
    p.add_argument("--out", type=Path, default=MODEL_PATH)
    args = p.parse_args(argv)
    embedder, indexes = _indexes(args.model, args.cache)
    sets = {rel: dataset([(corpus, rel)], indexes) for corpus, rel in TRAINING}
    x = np.vstack([v[0] for v in sets.values()])
    y = np.concatenate([v[1] for v in sets.values()])
    v = np.vstack([v[2] for v in sets.values()])
    if args.command == "train":
        judge = train_judge(sets, embedder.fingerprint)
        record = {"trained_on": [rel for _, rel in TRAINING], "C": TRAIN_C, "prior_C": PRIOR_C}
        args.out.write_text(json.dumps(judge.to_dict() | record, indent=2) + "\n", "utf-8")
        print(f"wrote {args.out}: threshold {judge.threshold:.3f}")
        print(f"development (training) sets: {_figures(judge, x, y, v)}")
        return 0
    judge = load(args.out)
    if judge is None or judge.prior is None:
        print(f"no judge at {args.out}: run `python -m service.judge train`", file=sys.stderr)
        return 1
    print(f"development (training) sets: {_figures(judge, x, y, v)}")
    print("each set judged by a judge trained on the others (questions or parts):")
    for rel, (answered, declined) in leave_one_set_out(sets, embedder.fingerprint).items():
        print(f"  {rel:34s} answered {answered:6.1%}  declined {declined:6.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

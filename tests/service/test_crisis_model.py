"""The learned crisis signal's plumbing, without the real model (see tests/integration for its
figures): the weights file round trip, the sentence rule, the gate in safety.assess, and that
it is off for an embedding model it was not trained for."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from service import crisis_model
from service.crisis_model import CrisisModel
from service.safety import CRISIS_MESSAGE, EXEMPLARS, assess

TESTS = Path(__file__).parents[1] / "data"


def unit(i: int, dim: int = 4) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    v[i] = 1.0
    return v


# crisis when the vector points along axis 0 (logit +6), not along the others (logit -6)
MODEL = CrisisModel(weights=np.array([12.0, 0, 0, 0], dtype=np.float32), bias=-6.0, fingerprint="f")


def test_the_weights_file_round_trips(tmp_path):
    path = tmp_path / "model.json"
    crisis_model.save(MODEL, path, trained_on=["x.jsonl"])
    loaded = crisis_model.load(path)
    assert loaded.fingerprint == "f" and loaded.bias == -6.0
    assert np.allclose(loaded.weights, MODEL.weights)
    assert crisis_model.load(tmp_path / "missing.json") is None


def test_the_check_uses_the_models_own_thresholds():
    from service.crisis import Signals, decide

    model = CrisisModel(MODEL.weights, MODEL.bias, "f", threshold=0.65, part_threshold=0.9)
    message = "left my keys with the neighbour and switched my phone off, everything is sorted now"
    assert not decide(message, Signals(0.0, 0.6), model).crisis
    assert decide(message, Signals(0.0, 0.7), model).crisis
    assert crisis_model.CrisisModel.from_dict(model.to_dict()).part_threshold == 0.9


def test_the_learned_signal_flags_a_crisis_no_pattern_knows():
    message = "left my keys with the neighbour and switched my phone off, everything is sorted now"
    assert not assess(message).crisis
    result = assess(message, crisis_probability=0.8)
    assert result.crisis and result.message == CRISIS_MESSAGE and result.reasons == ("learned",)
    assert not assess(message, crisis_probability=0.3).crisis


def test_the_learned_signal_does_not_override_a_question_about_someone_else():
    question = "how do we support a member who has been feeling really low?"
    assert not assess(question, crisis_probability=0.9).crisis
    # ... unless it is happening now
    assert assess("a member is in a really bad way right now", crisis_probability=0.9).crisis


def test_the_signal_is_off_for_another_embedding_model(client):
    crisis = client.application.extensions["toolkit_assistant"].crisis
    assert crisis.model_path == crisis_model.MODEL_PATH  # shipped by default
    shipped = crisis_model.load(crisis.model_path)
    assert shipped is not None, "the shipped weights load"
    assert shipped.fingerprint != crisis._embedder().fingerprint
    assert crisis.classifier is None  # trained for all-MiniLM-L6-v2, not "hash"
    assert crisis.signals("I want to end it all").probability is None


def test_the_training_data_lives_with_the_service_not_in_the_tests():
    assert crisis_model.DATA.is_relative_to(Path(crisis_model.__file__).parent)
    for name in crisis_model.TRAINING:
        assert (crisis_model.DATA / name).is_file(), name
    # never a set still held out; the earlier rounds' held-out sets are development data now,
    # copied as they were reported ("dev (was held out)")
    assert not set(crisis_model.TRAINING) & {"qa_heldout.jsonl"}
    for copy, original in (
        ("was_heldout_round1.jsonl", "safety_test.jsonl"),
        ("was_heldout_round2.jsonl", "safety_heldout.jsonl"),
        ("was_heldout_round3.jsonl", "safety_heldout3.jsonl"),
        ("was_heldout_round4.jsonl", "safety_heldout4.jsonl"),
        ("was_heldout_round5.jsonl", "safety_heldout5.jsonl"),
        ("was_heldout_round6.jsonl", "safety_heldout6.jsonl"),
        ("was_heldout_round7.jsonl", "safety_heldout7.jsonl"),
        ("was_heldout_round8.jsonl", "safety_heldout8.jsonl"),
        ("was_heldout_round9.jsonl", "safety_heldout9.jsonl"),
        ("was_heldout_round10.jsonl", "safety_heldout10.jsonl"),
        ("was_heldout_round11.jsonl", "safety_heldout11.jsonl"),
        ("was_heldout_round12.jsonl", "safety_heldout12.jsonl"),
        ("was_heldout_round13.jsonl", "safety_heldout13.jsonl"),
        ("was_heldout_round14.jsonl", "safety_heldout14.jsonl"),
        ("was_heldout_round15.jsonl", "safety_heldout15.jsonl"),
    ):
        assert copy in crisis_model.TRAINING
        assert (crisis_model.DATA / copy).read_bytes() == (TESTS / original).read_bytes()
    texts, labels = crisis_model.training_set()
    heldout = {t for n in crisis_model.REPORTED for t, _ in crisis_model.labelled(TESTS / n)}
    assert not heldout & set(texts)
    assert sum(labels) > 150 and len(texts) - sum(labels) > 500
    assert set(EXEMPLARS) <= {t for t, y in zip(texts, labels, strict=True) if y}


def test_the_new_kinds_of_development_data_are_there_with_both_labels():
    kinds = crisis_model.kinds_of(crisis_model.DATA / "hard_cases.jsonl")
    rows = dict(crisis_model.labelled(crisis_model.DATA / "hard_cases.jsonl"))
    by_kind: dict[str, set[bool]] = {}
    for text, kind in kinds.items():
        by_kind.setdefault(kind, set()).add(rows[text])
    for kind in ("greeting", "empty", "typo", "past", "idiom", "quote"):
        assert by_kind[kind] == {False}, kind
    for kind in ("plan", "farewell", "giving_away", "arrangements", "coded", "past_ongoing"):
        assert by_kind[kind] == {True}, kind


def test_labelled_reads_safety_qa_and_plain_sets(tmp_path):
    path = tmp_path / "set.jsonl"
    rows = [
        {"id": 1, "message": "a", "label": "crisis_self"},
        {"id": 2, "message": "b", "label": "benign"},
        {"id": 3, "question": "c", "kind": "crisis"},
        {"id": 4, "question": "d", "kind": "answerable"},
        {"id": 5, "text": "e", "crisis": True, "category": "indirect"},
        {"id": 6, "text": "f", "crisis": False, "category": "greeting"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "\n", encoding="utf-8")
    assert crisis_model.labelled(path) == [
        ("a", True),
        ("b", False),
        ("c", True),
        ("d", False),
        ("e", True),
        ("f", False),
    ]
    assert crisis_model.kinds_of(path)["e"] == "indirect"


def test_slips_are_deterministic_and_look_like_typing_in_a_hurry():
    text = "I've been thinking about ending everything tonight, nobody would notice"
    slipped = crisis_model.with_slips(text)
    assert slipped == crisis_model.with_slips(text)
    assert slipped != text.lower().replace("'", "")
    words, original = slipped.split(), text.lower().replace("'", "").split()
    assert len(words) == len(original)
    changed = [(a, b) for a, b in zip(original, words, strict=True) if a != b]
    assert changed and all(abs(len(a) - len(b)) <= 1 for a, b in changed)


def test_figures_count_crises_and_false_alarms_by_kind():
    rows = [("x1", True), ("x2", True), ("y1", False), ("y2", False)]
    result = crisis_model.figures(
        "set", rows, lambda t: t in {"x1", "y2"}, {"x1": "a", "x2": "a", "y1": "b", "y2": "b"}
    )
    assert (result.caught, result.crises, result.false_alarms, result.others) == (1, 2, 1, 2)
    assert result.missed == ("x2",) and result.alarms == ("y2",)
    assert result.kinds == (("crisis, a", 1, 2), ("not crisis, b", 1, 2))
    assert result.line().startswith("set: 1 of 2 crises flagged, 1 false alarms of 2")


def _development_sets(tmp_path: Path, *, crises: int, others: int) -> Path:
    """A folder with every TRAINING file, each of `crises` crisis and `others` benign messages."""
    data = tmp_path / "crisis"
    data.mkdir()
    for name in crisis_model.TRAINING:
        rows = [{"message": f"{name} crisis {i}", "label": "crisis_self"} for i in range(crises)]
        rows += [{"message": f"{name} question {i}", "label": "benign"} for i in range(others)]
        (data / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return data


def test_cross_validation_judges_every_development_message_once(tmp_path):
    data = _development_sets(tmp_path, crises=6, others=9)

    def encode(texts):  # crises (and the exemplars) along axis 0, everything else along axis 1
        return np.stack([unit(0 if "crisis" in t or t in EXEMPLARS else 1) for t in texts])

    results = crisis_model.cross_validated(encode, "f", data=data)
    assert [r.name for r in results] == [f"{n} (cross-validated)" for n in crisis_model.TRAINING]
    assert all((r.crises, r.others) == (6, 9) for r in results)
    assert all(r.caught == 6 and r.false_alarms == 0 for r in results)


def test_leaving_one_set_out_trains_without_that_whole_set(tmp_path, monkeypatch):
    data = _development_sets(tmp_path, crises=3, others=4)
    trained_on: list[set[str]] = []
    fit = crisis_model.fit

    def recording_fit(texts, labels, vectors, **kwargs):
        trained_on.append({t.split()[0] for t in texts if t not in EXEMPLARS})
        return fit(texts, labels, vectors, **kwargs)

    monkeypatch.setattr(crisis_model, "fit", recording_fit)

    def encode(texts):
        return np.stack([unit(0 if "crisis" in t or t in EXEMPLARS else 1) for t in texts])

    results = crisis_model.left_out(encode, "f", data=data)
    assert [r.name for r in results] == [f"{n} (left out)" for n in crisis_model.TRAINING]
    for name, files in zip(crisis_model.TRAINING, trained_on, strict=True):
        assert files == set(crisis_model.TRAINING) - {name}
    assert all((r.crises, r.others) == (3, 4) for r in results)


def test_the_answer_judges_practical_questions_are_benign_training_data():
    """Everyday practical questions were the learned signal's commonest false alarm; the answer
    judge's development questions are trained on as not crises (the current held-out set never)."""
    assert "qa_questions_round3.jsonl" in crisis_model.TRAINING
    root = Path(crisis_model.__file__).resolve().parents[1]
    earlier = {t for t, _ in crisis_model.labelled(crisis_model.DATA / "qa_questions.jsonl")}
    wanted = {
        t
        for source in crisis_model.QA_SOURCES
        for t, _ in crisis_model.labelled(root / source)
        if t not in earlier
    }
    copied = crisis_model.labelled(crisis_model.DATA / "qa_questions_round3.jsonl")
    assert {t for t, _ in copied} == wanted and not any(y for _, y in copied)
    # ... and the questions of the later held-out QA sets, reported already (dev, was held out)
    assert "qa_questions_round4.jsonl" in crisis_model.TRAINING
    later = {
        t
        for source in crisis_model.QA_SOURCES_ROUND4
        for t, _ in crisis_model.labelled(root / source)
        if t not in earlier | wanted
    }
    copied = crisis_model.labelled(crisis_model.DATA / "qa_questions_round4.jsonl")
    assert {t for t, _ in copied} == later and not any(y for _, y in copied)
    seen = earlier | wanted | later
    assert list(crisis_model.QA_SOURCES_LATER) == [
        f"qa_questions_round{n}.jsonl" for n in (5, 6, 7, 8, 9, 10, 11, 12, 13)
    ]
    for name, sources in crisis_model.QA_SOURCES_LATER.items():
        assert name in crisis_model.TRAINING
        new = {t for source in sources for t, _ in crisis_model.labelled(root / source)} - seen
        copied = crisis_model.labelled(crisis_model.DATA / name)
        assert {t for t, _ in copied} == new and not any(y for _, y in copied)
        seen |= new


_KINDS = {
    "crisis": True,
    "crisis_other": True,
    "trap": False,
    "greeting": False,
    "practical": False,
}


def test_the_examiners_safety_sets_are_labelled_consistently():
    """Each examiner-written safety set (safety_heldout3.jsonl on) has one labelled message a
    line, no text twice, and a kind that agrees with its label, as bench/safety.py reads them."""
    paths = sorted(TESTS.glob("safety_heldout[0-9]*.jsonl"))  # (safety_heldout: other kinds)
    assert len(paths) >= 12
    for path in paths:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        texts = [r["text"] for r in rows]
        assert len(set(texts)) == len(texts), path.name
        for r in rows:
            assert set(r) == {"id", "text", "crisis", "kind"}, (path.name, r["id"])
            assert r["text"].strip() and _KINDS[r["kind"]] is r["crisis"], (path.name, r["id"])
        assert crisis_model.labelled(path) == [(r["text"], r["crisis"]) for r in rows]

"""The learned crisis signal's plumbing, without the real model (see tests/integration for its
figures): the weights file round trip, the sentence rule, the gate in safety.assess, and that
it is off for an embedding model it was not trained for."""

from __future__ import annotations

import numpy as np

from service import crisis_model
from service.crisis_model import CrisisModel
from service.safety import CRISIS_MESSAGE, assess


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


def test_a_long_sentence_inside_a_longer_message_can_flag_it_alone():
    text = (
        "Quick one about the hall booking form for our Tuesday group, which the church wants "
        "back by Friday. Also i have been saving my tablets for weeks."
    )
    calls = []

    def encode(parts):
        calls.append(parts)
        return np.stack([unit(0) if "tablets" in p else unit(1) for p in parts])

    # the whole message's vector is not a crisis; its second sentence is
    assert MODEL.probability(text, unit(1), encode) == MODEL.threshold
    assert len(calls) == 1 and calls[0][1] == "Also i have been saving my tablets for weeks."
    # a short message is judged whole: its vector already carries each of its sentences
    calls.clear()
    assert MODEL.probability("Hall form? Also saving my tablets.", unit(1), encode) < 0.01
    assert calls == []
    # short fragments ("is that ok?") are not judged on their own
    calls.clear()
    long_question = "Is the hall free on Tuesday evenings for our group " * 3 + "? Is that ok?"
    assert MODEL.probability(long_question, unit(1), encode) < 0.01
    assert len(calls) == 1 and "Is that ok?" not in calls[0]


def test_a_whole_message_over_the_threshold_needs_no_sentences():
    def encode(parts):
        raise AssertionError("no extra encoding needed")

    assert MODEL.probability("anything", unit(0), encode) > 0.99


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
    assert crisis.signals("I want to end it all")[1] is None

"""The extractive composer, on hand-made hits: verbatim quotes, markers, diversity, abstention."""

from __future__ import annotations

import re

from index import Chunk, Document, Hit
from service.answer import NOT_COVERED, compose

DOC = Document("toolkit", "Toolkit", "toolkit.pdf", 40, "0" * 64)


def hit(rank: int, score: float, sentences: list[str], scores: list[float], page: int = 1) -> Hit:
    chunk = Chunk(
        id=f"toolkit:{rank}",
        document_id="toolkit",
        ordinal=rank,
        page_start=page,
        page_end=page,
        page_label=None,
        section="Section",
        text=" ".join(sentences),
        sentences=tuple(sentences),
    )
    return Hit(chunk=chunk, document=DOC, score=score, rank=rank, sentence_scores=tuple(scores))


SILENCE = [
    "Silence at a first meeting is normal and nothing to fear.",
    "Contents Ground rules 1 Silence 2 Venues 3",
    "Invite people to talk in pairs first, then come back together.",
    "The room was booked for two hours on Tuesdays.",
]
SILENCE_SCORES = [0.8, 0.9, 0.7, 0.1]
VENUE = [
    "Silence at a first meeting is normal and nothing to be afraid of.",
    "A round of names and one easy question helps people settle in.",
]


def test_best_sentences_are_quoted_verbatim_with_their_markers():
    hits = [hit(1, 0.7, SILENCE, SILENCE_SCORES, page=12), hit(2, 0.6, VENUE, [0.79, 0.75])]
    answer = compose(hits, threshold=0.4)
    assert answer.answered
    quoted = re.findall(r"(.+?) \[(\d+)\]\s*", answer.text)
    assert 2 <= len(quoted) <= 4
    for sentence, n in quoted:
        cited = answer.citations[int(n) - 1]
        assert sentence.strip() in cited.chunk.text
    assert "Contents Ground rules" not in answer.text  # not a sentence
    assert "booked for two hours" not in answer.text  # not relevant
    # the near-duplicate from the second passage is not repeated
    assert answer.text.count("Silence at a first meeting is normal") == 1
    assert "A round of names" in answer.text


def test_sentences_keep_document_order_within_a_passage():
    hits = [hit(1, 0.7, SILENCE, [0.7, 0.0, 0.8, 0.0])]
    answer = compose(hits, threshold=0.4)
    assert answer.text.index("Silence at a first") < answer.text.index("Invite people")


def test_at_most_about_120_words():
    long = [
        f"Sentence number {i} says something useful about running a peer group well."
        for i in range(12)
    ]
    answer = compose([hit(1, 0.8, long, [0.8] * 12)], threshold=0.4)
    assert len(re.sub(r"\[\d+\]", "", answer.text).split()) <= 120


def test_every_word_comes_from_the_passages():
    hits = [hit(1, 0.7, SILENCE, SILENCE_SCORES), hit(2, 0.6, VENUE, [0.79, 0.75])]
    answer = compose(hits, threshold=0.4)
    passage_words = set(" ".join(h.chunk.text for h in hits).split())
    for word in re.sub(r"\[\d+\]", "", answer.text).split():
        assert word in passage_words


def test_citations_are_numbered_in_answer_order_then_the_rest():
    other = hit(3, 0.5, ["Funding can come from small local grants and community trusts."], [0.1])
    hits = [hit(1, 0.7, SILENCE, SILENCE_SCORES), hit(2, 0.6, VENUE, [0.79, 0.75]), other]
    answer = compose(hits, threshold=0.4)
    assert answer.citations[-1] is other
    assert {q.n for q in answer.quotes} == {1, 2}


def test_weak_evidence_is_declined_with_the_nearest_sections():
    hits = [hit(1, 0.3, SILENCE, SILENCE_SCORES)]
    answer = compose(hits, threshold=0.4)
    assert not answer.answered
    assert answer.text == NOT_COVERED
    assert answer.citations == hits


def test_no_hits_is_declined():
    answer = compose([], threshold=0.4)
    assert (answer.answered, answer.citations) == (False, [])


def test_bullets_are_quoted_without_their_glyph():
    items = ["• Agree the ground rules together as a group", "• Revisit them every few months"]
    answer = compose([hit(1, 0.8, items, [0.8, 0.7])], threshold=0.4)
    assert answer.text.startswith("Agree the ground rules together as a group [1]")


def test_contents_lines_are_never_quoted():
    contents = [
        "16 8.6 Why were only nine areas chosen?",
        "8.6 Why were only nine areas chosen?",
        "Venues 4.4 Venue and access 14 4.5 Online and hybrid groups 15.",
        "The sources list the nine areas but do not say how they were chosen.",
    ]
    answer = compose([hit(1, 0.7, contents, [0.95, 0.95, 0.9, 0.6])], threshold=0.4)
    assert answer.text == (
        "The sources list the nine areas but do not say how they were chosen. [1]"
    )


def test_short_numbered_list_items_are_topics_not_answers():
    listing = [
        "The chapters follow the life of a group:",
        "10.",
        "Funding and keeping the group going.",
        "11.",
        "Ask the funder what they want to hear about before you apply for a grant.",
        "Funding and keeping the group going is hard work for volunteers.",
    ]
    answer = compose([hit(1, 0.7, listing, [0.5, 0.0, 0.95, 0.0, 0.8, 0.7])], threshold=0.4)
    assert answer.text.startswith("Ask the funder what they want")
    # the same words as a sentence of their own are quoted
    assert "Funding and keeping the group going is hard work" in answer.text
    assert "Funding and keeping the group going. [" not in answer.text


def test_a_table_with_nothing_to_quote_lets_the_next_passage_answer():
    table = ["Measure Figure People reached online 17,936 People reached in person 3,255"]
    prose = ["Over the two years peer support reached 17,936 people online and 3,255 in person."]
    hits = [hit(1, 0.6, table, [0.6]), hit(2, 0.45, prose, [0.55], page=13)]
    answer = compose(hits, threshold=0.5)
    assert answer.answered and answer.text == f"{prose[0]} [1]"
    assert answer.citations[0].chunk.page_start == 13
    # ... but a passage far below the threshold does not
    weak = [hit(1, 0.6, table, [0.6]), hit(2, 0.3, prose, [0.55], page=13)]
    assert not compose(weak, threshold=0.5).answered


def test_a_message_can_precede_the_quotes():
    from service.answer import preceded_by

    answered = compose([hit(1, 0.7, SILENCE, SILENCE_SCORES)], threshold=0.4)
    both = preceded_by("Call 999 now.", answered)
    assert both.text.startswith("Call 999 now.\n\n") and both.text.endswith(answered.text)
    assert both.answered and both.citations == answered.citations
    declined = compose([hit(1, 0.2, SILENCE, SILENCE_SCORES)], threshold=0.4)
    alone = preceded_by("Call 999 now.", declined)
    assert (alone.text, alone.answered, alone.citations) == ("Call 999 now.", False, [])

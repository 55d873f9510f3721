"""The extractive composer: verbatim excerpts, one marker per run, what is never quoted, parts.

Hand-made hits check the rules one at a time; passages of the bundled documents (indexed
with the hashing embedder: the rules do not depend on the model) check them on real PDF text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from index import Chunk, Document, HashEmbedder, Hit, Index, build
from service import question as q
from service.answer import NOT_COVERED, PART_NOT_COVERED, compose
from service.judge import ScoreThreshold, Verdict
from service.sentences import list_items, quotable

ROOT = Path(__file__).resolve().parents[2]
DOC = Document("toolkit", "Toolkit", "toolkit.pdf", 40, "0" * 64)
JUDGE = ScoreThreshold(0.4)


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
RUN = [
    "Choose a time that suits the people you want to reach.",
    "Daytime sessions suit people who are not in work and parents of young children.",
    "Evening and weekend sessions suit people in work or education.",
    "Keep the time and place the same each week if you can.",
    "The caretaker locks the building at ten in the evening sharp.",
]
RUN_SCORES = [0.7, 0.6, 0.6, 0.55, 0.1]


def markers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\[(\d+)\]", text)]


def test_a_contiguous_excerpt_with_one_marker_after_the_run():
    answer = compose("what time should we meet?", [hit(1, 0.7, RUN, RUN_SCORES)], judge=JUDGE)
    assert answer.answered
    assert answer.text == " ".join(RUN[:4]) + " [1]"  # in document order, one marker
    assert [x.sentence for x in answer.quotes] == RUN[:4]
    assert "caretaker" not in answer.text  # off the question: the excerpt stops before it


def test_the_first_sentence_is_the_one_that_answers():
    sentences = ["Groups close for many reasons over the years.", *RUN]
    scores = [0.2, *RUN_SCORES]
    answer = compose("what time should we meet?", [hit(1, 0.7, sentences, scores)], judge=JUDGE)
    assert answer.text.startswith(RUN[0])


def test_a_sentence_that_refers_back_brings_the_one_before():
    sentences = [
        "Silence is normal at the start of a session.",
        "It is not a sign that the group has failed, and people may be gathering courage.",
        "The kettle is in the cupboard by the back door.",
    ]
    answer = compose("is silence bad?", [hit(1, 0.7, sentences, [0.6, 0.75, 0.0])], judge=JUDGE)
    assert answer.text == f"{sentences[0]} {sentences[1]} [1]"


def test_quotes_are_verbatim_and_every_word_comes_from_the_passages():
    hits = [hit(1, 0.7, SILENCE, SILENCE_SCORES, page=12), hit(2, 0.6, RUN, RUN_SCORES)]
    answer = compose("what if nobody talks at a first meeting?", hits, judge=JUDGE)
    assert answer.answered
    for quote in answer.quotes:
        assert quote.sentence in answer.citations[quote.n - 1].chunk.sentences
    passage_words = set(" ".join(h.chunk.text for h in hits).split())
    for word in re.sub(r"\[\d+\]", "", answer.text).split():
        assert word in passage_words
    assert "Contents Ground rules" not in answer.text


def test_a_short_excerpt_gets_a_second_from_another_passage():
    first = ["Silence at a first meeting is normal and nothing to fear."]
    second = ["Invite people to talk in pairs first, then come back together as a group."]
    hits = [hit(1, 0.7, first, [0.8]), hit(2, 0.6, second, [0.75])]
    answer = compose("what if nobody speaks at a first meeting?", hits, judge=JUDGE)
    assert answer.text == f"{first[0]} [1] {second[0]} [2]"
    assert [h.chunk.id for h in answer.citations] == ["toolkit:1", "toolkit:2"]


def test_citations_are_numbered_in_answer_order_then_the_rest():
    low = hit(1, 0.7, ["A passage about something else that is not relevant here."], [0.1])
    good = hit(2, 0.6, RUN, RUN_SCORES)
    answer = compose("what time should we meet?", [low, good], judge=JUDGE)
    assert markers(answer.text) == [1]
    assert answer.citations[0] is good and answer.citations[1] is low


def test_at_most_about_120_words():
    long = [
        f"Sentence number {i} says something useful about running a peer group." for i in range(12)
    ]
    answer = compose("how do we run a group?", [hit(1, 0.8, long, [0.8] * 12)], judge=JUDGE)
    assert len(re.sub(r"\[\d+\]", "", answer.text).split()) <= 120


def test_declined_says_so_and_lists_the_nearest_passages():
    hits = [hit(1, 0.2, SILENCE, SILENCE_SCORES), hit(2, 0.1, RUN, RUN_SCORES)]
    answer = compose("how much does the room cost?", hits, judge=JUDGE)
    assert (answer.answered, answer.text, answer.quotes) == (False, NOT_COVERED, [])
    assert answer.citations == hits


def test_nothing_to_quote_is_declined():
    table = ["Name: ______ Date: ______", "Arrival (10 minutes).", "2."]
    answer = compose("session plan", [hit(1, 0.9, table, [0.9, 0.9, 0.9])], judge=JUDGE)
    assert not answer.answered and answer.text == NOT_COVERED


def test_no_hits_no_answer():
    answer = compose("anything", [], judge=JUDGE)
    assert (answer.answered, answer.citations) == (False, [])


class PartJudge:
    """Answers the parts that mention a venue, declines the others."""

    def judge(self, asked: q.Asked, whole: str, hits, vector=None) -> Verdict:
        return Verdict("venue" in asked.text, 1.0)


VENUE = [
    "Free or low-cost venues are often found in libraries and community centres.",
    "Ask whether the venue has its own safeguarding policy before you book it.",
]


def test_each_part_is_answered_or_said_to_be_not_covered():
    question = "how do we find a venue and how much does room hire cost per hour?"
    answer = compose(question, [hit(1, 0.7, VENUE, [0.7, 0.6])], judge=PartJudge())
    assert answer.answered
    part = PART_NOT_COVERED.format(part="how much does room hire cost per hour?")
    assert answer.text == f"{VENUE[0]} {VENUE[1]} [1] {part}"


def test_a_question_none_of_whose_parts_is_covered_is_declined():
    question = "how much does room hire cost and what is the deadline for grants?"
    answer = compose(question, [hit(1, 0.7, VENUE, [0.7, 0.6])], judge=PartJudge())
    assert (answer.answered, answer.text) == (False, NOT_COVERED)


# -- what is never quoted: lines seen in the bundled documents' passages ------------------

NEVER = [
    "5 Group agreements and ground rules Sample edition written for the peer support toolkit "
    "assistant.",
    "Sample edition written for the peer support toolkit assistant.",
    "About this sample edition How this edition was written ii Replacing this edition with the "
    "official documents ii 1 About this toolkit 1 1.1 Who this toolkit is for 1",
    "16 8.7 Did peer support improve people's wellbeing?",
    "12 4.2 Purpose: what is the group for?",
    "Mind reports the following figures for the reach of the programme over its two years: "
    "Measure Figure People reached by peer support online 17,936 People reached by peer support "
    "in person 3,255",
    "Did you feel connected to other people here? yes / a bit / no",
    # a two-column table of questions and answers, read row by row
    "The following questions may help commissioners apply these findings: Commissioning "
    "question Things to consider What should we fund?",
    "Long enough for trust to build; short-term funding can end groups just as they become "
    "established How do we protect peer values?",
    "Arrival (10 minutes).",
    "Costs and terms.",
    "A simple way to do it:",
    "usefulness and wellbeing 9 4.6 What makes peer support work 10 4.7 Capacity building",
    "A practical guide for people who start, run and support community mental health peer "
    "support groups Peer support toolkit for community groups SAMPLE EDITION This is a sample",
]


@pytest.mark.parametrize("line", NEVER)
def test_contents_footers_tables_stubs_and_fragments_are_never_quoted(line):
    assert quotable(line) is None


def test_the_yes_or_no_to_a_question_heading_is_left_out():
    line = "No. Many peer support groups are informal, unincorporated associations."
    assert quotable(line) == "Many peer support groups are informal, unincorporated associations."
    assert quotable("Yes. It does.") is None  # nothing left that reads on its own


CONSULTATION = [
    "In 2013 Mind ran a consultation on peer support across England.",
    "The consultation asked Mind to do three things:",
    "1. raise the profile of peer support;",
    "2. build evidence of its value;",
    "3. back a wide range of peer-led providers.",
    "The kettle is in the cupboard by the back door.",
]


def test_a_list_is_quoted_whole_with_the_sentence_that_introduces_it():
    scores = [0.3, 0.7, 0.5, 0.4, 0.45, 0.0]
    hits = [hit(1, 0.7, CONSULTATION, scores)]
    answer = compose("what did the consultation ask mind to do?", hits, judge=JUDGE)
    assert answer.text == " ".join(CONSULTATION[1:5]) + " [1]"
    assert [x.sentence for x in answer.quotes] == CONSULTATION[1:5]  # each a passage sentence


def test_bare_list_numbers_join_their_items_and_a_long_list_stops_at_a_whole_item():
    values = ["Experience in common", "Safety", "Choice and control", "Two-way interaction"]
    sentences = ["It described six core values that made peer support work:"]
    for n, value in enumerate(values, start=1):
        sentences += [f"{n}.", value]
    assert list_items(sentences, 0) == 8
    long = ["Useful topics include:"] + [
        f"{n}. a topic described at some length so that the list runs long;" for n in range(9)
    ]
    assert 2 <= list_items(long, 0) < 9
    assert list_items(["Useful topics include:", "Silence is normal in a new group."], 0) == 0
    answer = compose(
        "what are the six values?",
        [hit(1, 0.7, sentences, [0.8] + [0.3] * 8)],
        judge=JUDGE,
    )
    assert answer.text == " ".join(sentences) + " [1]"
    assert "1." not in [x.sentence for x in answer.quotes]  # bare numbers are not highlighted


SESSION = [
    "A typical 90-minute session might look like this:",
    "1.",
    "Arrival (10 minutes).",
    "Drinks, informal chat, welcome newcomers at the door and put the kettle on for everyone.",
    "2.",
    "Opening (10 minutes).",
    "Welcome, housekeeping, a reminder of the group agreement and a check-in round for all.",
    "3.",
    "Main part (50 minutes).",
    "Open sharing, a theme chosen by the group, an activity, or a guest speaker and a talk.",
    "4.",
    "Closing (10 minutes).",
    "A closing round, reminders about the next session and where to find help.",
    "The kettle is in the cupboard by the back door.",
]


def test_a_numbered_item_with_a_stub_title_is_quoted_with_what_it_says():
    # asked about the fourth item alone: its number's title and sentence, not the stub alone
    scores = [0.2, 0.0, 0.1, 0.1, 0.0, 0.1, 0.1, 0.0, 0.1, 0.1, 0.0, 0.7, 0.5, 0.0]
    answer = compose("how long is the closing bit?", [hit(1, 0.7, SESSION, scores)], judge=JUDGE)
    assert answer.text == " ".join(SESSION[10:13]) + " [1]"
    assert [x.sentence for x in answer.quotes] == SESSION[11:13]  # the number not highlighted


def test_a_list_cut_at_its_word_limit_runs_on_into_the_items_after_it():
    assert list_items(SESSION, 0) < 12  # the list alone stops before "4. Closing"
    scores = [0.75, 0.0, 0.3, 0.2, 0.0, 0.3, 0.2, 0.0, 0.3, 0.2, 0.0, 0.7, 0.5, 0.0]
    answer = compose("how long is the closing part?", [hit(1, 0.7, SESSION, scores)], judge=JUDGE)
    assert answer.text == " ".join(SESSION[:13]) + " [1]"


def test_a_sentence_quoted_for_one_part_does_not_open_the_next_part_again():
    sentences = [
        "The evaluation described the values that made peer support work:",
        "1.",
        "Safety and trust in the group",
        "2.",
        "Freedom to be oneself, at the top of the pyramid of values.",
        "You may see other lists of values that leave out two-way interaction.",
    ]
    scores = [0.8, 0.0, 0.5, 0.0, 0.6, 0.05]  # part one's excerpt (the list) stops before the last
    answer = compose(
        "what are the values and are there other lists?",
        [hit(1, 0.7, sentences, scores)],
        judge=JUDGE,
    )
    assert answer.text.count(sentences[4]) == 1
    assert sentences[5] in answer.text


def test_a_heading_run_into_the_sentence_after_it_is_left_out():
    line = "Human connection The warmth and companionship of being with others who understand."
    assert quotable(line) == "The warmth and companionship of being with others who understand."
    cells = (
        "The boroughs of Camden and Westminster The guidance notes defined each area by postcode."
    )
    assert quotable(cells) == "The guidance notes defined each area by postcode."
    instruction = "If someone discloses abuse Stay calm and listen to what they tell you."
    assert quotable(instruction) == "Stay calm and listen to what they tell you."
    # two sentences, or a capital after a stop, are left as they are
    prose = "We read the guidance together. The facilitator said it was good for all of us."
    assert quotable(prose) == prose


def test_a_box_title_is_not_quoted_with_its_first_sentence():
    line = "Tip: Walk the route Before the first session, walk from the bus stop to the room."
    assert quotable(line) == "Before the first session, walk from the bus stop to the room."


@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> Index:
    """The bundled documents indexed with the hashing embedder (real passages, fast)."""
    out = tmp_path_factory.mktemp("bundled-hash") / "index"
    embedder = HashEmbedder()
    build(ROOT / "docs_src", out, embedder, progress=False)
    return Index.open(out, embedder)


QUESTIONS = [
    "what should be in a group agreement?",
    "how long should a session be?",
    "what are the crisis numbers?",
    "who funded Side by Side and how much was the grant?",
    "what did the evaluation find about wellbeing?",
    "contents of the toolkit",
    "sample edition written for the peer support toolkit assistant",
    "how do we measure impact: outputs and outcomes table",
]


def in_a_list(sentence: str, sentences: tuple[str, ...]) -> bool:
    """`sentence` is a list's introduction or one of its items (service/sentences.py)."""
    i = next(n for n, s in enumerate(sentences) if sentence in s)
    return any(list_items(sentences, j) >= i - j for j in range(i + 1))


@pytest.mark.parametrize("question", QUESTIONS)
def test_on_real_passages_only_whole_sentences_of_the_cited_passage(bundled, question):
    hits = bundled.search(question, k=5)
    answer = compose(question, hits, judge=ScoreThreshold(0.0))
    assert answer.answered
    for quote in answer.quotes:
        cited = answer.citations[quote.n - 1]
        assert quote.sentence in cited.chunk.text
        # a sentence that reads on its own, or a list quoted whole with its introduction
        assert quotable(quote.sentence) == quote.sentence or in_a_list(
            quote.sentence, cited.chunk.sentences
        )
        assert "Sample edition written for" not in quote.sentence
    # each run, up to its one marker, is consecutive text of the cited passage
    for run, n in re.findall(r"(.+?) \[(\d+)\]\s*", answer.text):
        assert run.strip() in answer.citations[int(n) - 1].chunk.text
    # each run is consecutive sentences of one passage
    for n in set(markers(answer.text)):
        sentences = answer.citations[n - 1].chunk.sentences
        positions = [
            next(i for i, s in enumerate(sentences) if x.sentence in s)
            for x in answer.quotes
            if x.n == n
        ]
        assert positions == sorted(positions)


def test_a_run_never_skips_a_sentence_of_its_passage():
    """Sentences joined under one marker follow each other in the passage: skipping one
    (because it repeats an earlier quote) would misquote the document."""
    from service.answer import Candidate, _run

    def cand(position: int, text: str) -> Candidate:
        return Candidate(score=0.9, hit=0, position=position, text=text, cosine=0.8)

    first, repeated, third = (
        cand(0, "Agree the ground rules together at the first meeting."),
        cand(1, "What is said in the group stays in the group, always."),
        cand(2, "Challenge the view, not the person, when views differ."),
    )
    scored = {(0, c.position): c for c in (first, repeated, third)}
    run = _run(first, scored, budget=100, taken=["What is said in the group stays in the group."])
    positions = [c.position for c in run]
    assert positions == list(range(positions[0], positions[0] + len(positions)))

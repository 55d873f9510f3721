"""Which sentences of a passage can be quoted as an answer (pure).

A passage's sentences come from PDF text: besides prose they hold contents lines ("8.6 Why were
... 16"), headings and list stubs ("Privacy.", "Costs and terms."), table cells run together,
running footers the cleaning missed, and fragments cut at a page break. Only a sentence that
reads on its own is quoted: a capital first, a verb-bearing length, an end stop.

A sentence that introduces a list ("The consultation asked Mind to do three things:") says
nothing alone and its items ("2.", "Safety") are stubs, but together they are the answer to
"what did it ask?": such a list is one candidate, quoted whole, in the documents' words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index import Hit

from .question import content_words as _content_words

_BULLET = re.compile(r"^\s*[•●▪◦○■□‣*–-]\s*")
# A contents line: a section number first ("8.6 Why were ...", after its page number "16 8.6
# ..."), or several numbered headings in one "sentence".
_SECTION_NUMBER = re.compile(r"\b\d+(\.\d+)+\s+[A-Z]")
_CONTENTS_START = re.compile(r"^(\d+\s+)?\d+(\.\d+)+\s")
_LIST_NUMBER = re.compile(r"^\(?\d{1,2}[.)]$")  # "4." split from its list item
_LIST_ITEM = re.compile(r"^\s*(?:\(?\d{1,2}[.)]\s+\S|[•●▪◦○■□‣*–-]\s*\S)")  # "2. build ...;"
# The bundled sample edition's running footer, where the cleaning leaves it in a passage
_RUNNING = re.compile(r"\bsample edition written for the\b", re.IGNORECASE)
_TABLE_MARK = re.compile(r"\s\|\s|\t|\s{3,}")
# Table cells run together: a heading row of capitalised words ("Measure Figure People ...")
_CAPITALISED_RUN = re.compile(  # or a table's heading row after a colon: "...: Value What it"
    r"(?:\b[A-Z][a-z]*\b[^\w,.;:]+){6,}|:\s+[A-Z][a-z]+\s+[A-Z]"
)
# A two-column table read row by row: one cell's text runs into the next row's question with
# no stop between them ("... larger providers Who should design it?")
_CELL_INTO_QUESTION = re.compile(
    r"[a-z0-9,;)]\s+(?:What|Who|How|When|Where|Why|Which|Should|Do|Does|Is|Are|Can|Will)\s[^.!?]*\?$"
)
_LABEL = re.compile(r"^[A-Z][^.!?:]{0,60}[.:]\s")  # "Getting there. Is it on a bus route?"
_CAPS_RUN = re.compile(r"\b[A-Z]{2,}\s+[A-Z]{2,}\b")  # "SAMPLE EDITION" on a cover
# A box's label and title run into its first sentence: "Tip: Walk the route Before the ..."
_BOX_TITLE = re.compile(
    r"^(?:Tip|Note|Example(?: \(fictional\))?|Case):\s+[A-Z][^A-Z\"“]*?\s(?=[A-Z\"“])"
)
# A heading or list line run into the sentence after it, no stop between them: "Human
# connection The warmth and companionship of ...", "... Chelsea and Westminster The grants
# guidance notes defined ..."
# ... or into an instruction: "If someone discloses abuse Stay calm and listen."
_IMPERATIVES = (
    "Stay|Ask|Tell|Keep|Make|Try|Write|Check|Give|Let|Use|Listen|Plan|Call|Find|Talk|Think|Put|Start|"
    "Agree|Explain|Say|Avoid|Remember|Look|Offer|Contact|Decide|Speak|Encourage|Invite|Thank|Follow|"
    "Share|Record|Reply|Consider|Arrange|Book|Choose|Welcome|Leave|Allow|Involve|Include|Print|Go|"
    "Treat|Respond|Acknowledge"
)
_RUN_IN_HEADING = re.compile(
    r"^[^.!?:;]{2,80}?[^.!?:;\"“”'’)—–\s-]\s(?=(?:The|This|These|Each|It|In|A|An|Our|We|You|If|"
    + _IMPERATIVES
    + r")\s+[a-z])"
)
_MAX_HEADING_WORDS = 10
_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_MIN_WORDS, _MAX_WORDS = 5, 60
SHORT_ITEM = 8  # words: a numbered or bulleted item this short is a topic, not an answer


def quotable(sentence: str, previous: str = "") -> str | None:
    """The sentence without its bullet, if it reads as a sentence (else None).

    `previous` is the sentence before it in the passage: a bare list number there ("4.") makes
    this a numbered item, quoted only when it says more than a topic's name.
    """
    bullet = bool(_BULLET.match(sentence))
    text = _BOX_TITLE.sub("", _BULLET.sub("", sentence).strip())
    tokens = text.split()
    if not _MIN_WORDS <= len(tokens) <= _MAX_WORDS or text.endswith(":"):
        return None
    if not re.search(r"[a-z]", text) or not (text[0].isupper() or text[0] in "\"“'‘("):
        return None  # a fragment continuing from the page before
    if _CONTENTS_START.match(text) or len(_SECTION_NUMBER.findall(text)) >= 2:
        return None
    heading = _RUN_IN_HEADING.match(text)
    if heading and len(heading.group().split()) <= _MAX_HEADING_WORDS:
        text = text[heading.end() :]  # what follows the heading is the sentence
    # The reply to a question heading ("Do we need ...? No. Many groups ..."): its yes or no
    # answers the heading, not necessarily our question; what follows it reads on its own.
    text = re.sub(r"^(?:Yes|No)\.\s+(?=[A-Z])", "", text)
    tokens = text.split()
    if len(tokens) < _MIN_WORDS:
        return None
    if _CAPS_RUN.search(text):
        return None  # a cover or a heading in capitals
    if _RUNNING.search(text) and len(tokens) < 20:
        return None  # a running footer, alone or after the chapter's title
    if (_LIST_NUMBER.match(previous.strip()) or bullet) and len(tokens) < SHORT_ITEM:
        return None
    if (
        _TABLE_MARK.search(text)
        or _CAPITALISED_RUN.search(text)
        or _CELL_INTO_QUESTION.search(text)
    ):
        return None  # table cells (or read across a row)
    digits = sum(t.strip(".,;()").replace(",", "").isdigit() for t in tokens)
    if digits >= 3 and digits > len(tokens) / 4:
        return None  # a table row or a contents line
    if not _END.search(text):
        return None  # a heading, a caption or a fragment cut from a table
    if (
        text.count(",") == 0
        and len(tokens) <= 6
        and not re.search(r"\b(is|are|was|do|can)\b", text)
    ):
        return None  # "Arrival (10 minutes)."
    return text


def without_label(text: str) -> str:
    """ "Getting there. Is it on a bus route?": the list label run into the sentence stays in
    the quote (it is the documents' text), but is not what the sentence says."""
    match = _LABEL.match(text)
    return text[match.end() :] if match and len(match.group().split()) <= 4 else text


MAX_LIST_WORDS = 70  # a list longer than this is quoted up to its last whole item that fits
_ITEM_LOOKAHEAD = 3  # sentences an item may run to before the next bare list number


def list_items(sentences: Sequence[str], intro: int) -> int:
    """How many sentences after `sentences[intro]` (a sentence ending with a colon) are its
    list: items numbered ("1. raise the profile;"), bulleted, or a bare number ("1.") and the
    item after it (with the item's further sentences when the next number follows). 0 unless
    at least two items fit in MAX_LIST_WORDS."""
    if not sentences[intro].rstrip().endswith(":"):
        return 0
    words = len(sentences[intro].split())
    j, items, end = intro + 1, 0, intro + 1
    while j < len(sentences):
        s = sentences[j].strip()
        if _LIST_NUMBER.match(s) and j + 1 < len(sentences):
            nxt = j + 2  # the number and its item, then the item's sentences up to the next number
            ahead = [k for k in range(nxt, min(len(sentences), nxt + _ITEM_LOOKAHEAD))]
            following = next((k for k in ahead if _LIST_NUMBER.match(sentences[k].strip())), None)
            nxt = following if following is not None else nxt
        elif _LIST_ITEM.match(s):
            nxt = j + 1
        else:
            break
        words += sum(len(x.split()) for x in sentences[j:nxt])
        if words > MAX_LIST_WORDS:
            break
        j, items, end = nxt, items + 1, nxt
    return end - intro - 1 if items >= 2 else 0


def item_end(sentences: Sequence[str], i: int) -> int:
    """For a numbered item's short title after a bare list number ("4.", "Closing (10
    minutes)."), the end (exclusive) of the item: its title and the sentence after it (two
    when the next number follows them), when they read as sentences; else 0."""
    title = sentences[i].strip() if 0 < i < len(sentences) else ""
    if (
        not title
        or not _LIST_NUMBER.match(sentences[i - 1].strip())
        or not _END.search(title)
        or len(title.split()) > SHORT_ITEM
    ):
        return 0
    end = i + 1
    while end < min(len(sentences), i + 3):
        s = sentences[end].strip()
        if _LIST_NUMBER.match(s) or _BOX_TITLE.match(s) or quotable(s, sentences[end - 1]) is None:
            break
        end += 1
    numbered_next = end < len(sentences) and _LIST_NUMBER.match(sentences[end].strip())
    end = end if numbered_next else min(end, i + 2)
    return end if end > i + 1 else 0


@dataclass(frozen=True)
class Candidate:
    """A quotable sentence of a passage among the hits (or a list: the sentence introducing
    it and its items), with how well it matches."""

    score: float
    cosine: float  # with the question (the search's sentence score; a list's best)
    hit: int  # index in the hit list
    position: int  # index in the passage's sentences (a list's: its introducing sentence)
    text: str
    span: int = 1  # sentences it covers: the next candidate of the passage is at position + span
    quoted: tuple[str, ...] = ()  # the passage's sentences it quotes, when not just `text`

    @property
    def sentences(self) -> tuple[str, ...]:
        """What the answer quotes, one passage sentence at a time (a list's numbers left out)."""
        return self.quoted or (self.text,)


OVERLAP_WEIGHT = 0.3  # score: cosine with the question + this x the share of the part's words
PASSAGE_WEIGHT = 0.3  # ... + this x the passage's score
FIRST_BONUS = 0.2  # ... + this for the best-ranked passage (it holds the evidence most often)


def candidates(words: set[str], hits: Sequence[Hit], pool: int) -> dict[tuple[int, int], Candidate]:
    """Every quotable sentence of the first `pool` hits, keyed by (hit, position), scored by
    its cosine with the question (computed by the search), its share of `words` (the content
    words of the part being answered: service/question.py) and its passage's score."""
    out: dict[tuple[int, int], Candidate] = {}
    for h, hit in enumerate(hits[:pool]):
        sentences = hit.chunk.sentences
        for i, (sentence, cosine) in enumerate(zip(sentences, hit.sentence_scores, strict=True)):
            text, span, quoted = quotable(sentence, sentences[i - 1] if i else ""), 1, ()
            items = list_items(sentences, i)
            # a list's introducing sentence must read as one but for its colon
            if items and quotable(sentence.rstrip()[:-1] + ".", sentences[i - 1] if i else ""):
                span = 1 + items
                quoted = tuple(
                    x.strip() for x in sentences[i : i + span] if not _LIST_NUMBER.match(x.strip())
                )
                text = " ".join(x.strip() for x in sentences[i : i + span])
                cosine = max(hit.sentence_scores[i : i + span])
            elif _LIST_NUMBER.match(sentence.strip()) and (end := item_end(sentences, i + 1)):
                # a numbered item whose title is a stub ("4.", "Closing (10 minutes).") quoted
                # with the sentence that says what it is; a list cut short runs on into it
                span = end - i
                quoted = tuple(x.strip() for x in sentences[i + 1 : end])
                text = " ".join(x.strip() for x in sentences[i:end])
                cosine = max(hit.sentence_scores[i + 1 : end])
            if text:
                overlap = len(words & content_words(text)) / len(words) if words else 0.0
                score = cosine + OVERLAP_WEIGHT * overlap + PASSAGE_WEIGHT * hit.score
                score += FIRST_BONUS if h == 0 else 0.0
                out[h, i] = Candidate(score, cosine, h, i, text, span, quoted)
    return out


def content_words(text: str) -> set[str]:
    return set(_content_words(text))

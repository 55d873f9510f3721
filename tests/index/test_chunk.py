import itertools
import re

from index.chunk import ChunkParams, PageText, SectionMark, chunk_document, split_sentences


def _pages(*texts: str, labels=None) -> list[PageText]:
    labels = labels or [None] * len(texts)
    return [PageText(i + 1, labels[i], t) for i, t in enumerate(texts)]


def _sentence_set(n: int, prefix: str) -> str:
    return " ".join(
        f"{prefix} sentence number {i} talks about peer support groups." for i in range(n)
    )


def test_sentence_split_respects_abbreviations():
    text = "Groups vary, e.g. by size. Dr. Smith ran one. It met weekly! Did it help? Yes."
    spans = [text[a:b].strip() for a, b in split_sentences(text)]
    assert spans == [
        "Groups vary, e.g. by size.",
        "Dr. Smith ran one.",
        "It met weekly!",
        "Did it help?",
        "Yes.",
    ]


def test_chunks_never_cut_sentences_and_stay_within_budget():
    pages = _pages(_sentence_set(40, "Alpha"))
    params = ChunkParams(max_tokens=60, overlap_tokens=15)
    chunks = chunk_document("doc", pages, params=params)
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.text.endswith("groups.")
        assert re.match(r"Alpha sentence number \d+", chunk.text)
        assert all(s in chunk.text for s in chunk.sentences)


def test_consecutive_chunks_overlap_by_whole_sentences():
    chunks = chunk_document("doc", _pages(_sentence_set(30, "Beta")), params=ChunkParams(60, 15))
    for a, b in itertools.pairwise(chunks):
        assert a.sentences[-1] == b.sentences[0]


def test_page_span_is_exact_across_a_page_break():
    page1 = _sentence_set(2, "One") + " This sentence starts on the first page and"
    page2 = "ends on the second page. " + _sentence_set(2, "Two")
    page3 = _sentence_set(2, "Three")
    chunks = chunk_document("doc", _pages(page1, page2, page3, labels=["i", "1", "2"]))
    assert len(chunks) == 1
    assert (chunks[0].page_start, chunks[0].page_end) == (1, 3)
    assert chunks[0].page_label == "i–2"
    small = chunk_document("doc", _pages(page1, page2, page3), params=ChunkParams(20, 0))
    crossing = [c for c in small if "starts on the first page" in c.text]
    assert [(c.page_start, c.page_end) for c in crossing] == [(1, 2)]
    only_third = [c for c in small if all(s.startswith("Three") for s in c.sentences)]
    assert only_third and all((c.page_start, c.page_end) == (3, 3) for c in only_third)


def test_a_page_joined_by_hyphenation_continues_the_word():
    pages = [
        PageText(1, None, "We talked about confi", joins_next=True),
        PageText(2, None, "dentiality today."),
    ]
    chunks = chunk_document("doc", pages)
    assert chunks[0].text == "We talked about confidentiality today."
    assert (chunks[0].page_start, chunks[0].page_end) == (1, 2)


def test_sections_start_new_chunks_and_headings_are_not_body_text():
    pages = _pages(
        "Ground rules\nAgree rules together. Revisit them often.",
        "Venues\nPick an accessible room. Check the transport links.",
    )
    marks = [SectionMark(1, "Ground rules"), SectionMark(2, "Venues")]
    chunks = chunk_document("doc", pages, marks)
    assert [(c.section, c.text) for c in chunks] == [
        ("Ground rules", "Agree rules together. Revisit them often."),
        ("Venues", "Pick an accessible room. Check the transport links."),
    ]


def test_heading_not_found_verbatim_applies_from_its_page():
    pages = _pages("Intro text here.", "Body of the second page.")
    chunks = chunk_document("doc", pages, [SectionMark(2, "Second part (outline title)")])
    assert [c.section for c in chunks] == [None, "Second part (outline title)"]


def test_an_overlong_sentence_is_split_between_words():
    words = " ".join(f"word{i}" for i in range(300)) + "."
    chunks = chunk_document("doc", _pages(words), params=ChunkParams(50, 0))
    assert len(chunks) > 3
    rebuilt = " ".join(c.text for c in chunks)
    assert rebuilt.split() == words.split()


def test_bullets_become_their_own_units():
    text = "Ground rules:\n• Be kind\n• Keep confidentiality\n• Listen"
    chunk = chunk_document("doc", _pages(text))[0]
    assert chunk.sentences == ("Ground rules:", "• Be kind", "• Keep confidentiality", "• Listen")


def test_empty_pages_give_no_chunks():
    assert chunk_document("doc", _pages("", "   ")) == []

from index.clean import clean_pages, normalise_unicode


def test_running_headers_footers_and_page_numbers_are_removed():
    pages = [
        f"Toolkit for groups  Chapter 2\nBody text of page {n} goes here.\nMore words.\n{n}"
        for n in range(1, 7)
    ]
    cleaned = [p.text for p in clean_pages(pages)]
    for n, text in enumerate(cleaned, start=1):
        assert "Toolkit for groups" not in text
        assert text == f"Body text of page {n} goes here.\nMore words."


def test_lines_repeated_on_few_pages_are_kept():
    pages = ["Ground rules\nKeep confidentiality.", "Ground rules\nBe kind."] + [
        f"Other page {n}\nText." for n in range(10)
    ]
    cleaned = clean_pages(pages)
    assert cleaned[0].text.startswith("Ground rules")


def test_words_hyphenated_at_line_ends_are_joined():
    text = "Peer support is about shared experi-\nence and mutual respect in the group."
    out = clean_pages([text])[0].text
    assert out == "Peer support is about shared experience and mutual respect in the group."


def test_compound_words_keep_their_hyphen():
    text = "A peer-led group is different.\nThe group is peer-\nled and open to all."
    out = clean_pages([text])[0].text
    assert "peer-led and open" in out
    assert "peerled" not in out


def test_hyphenation_across_a_page_break():
    pages = ["The facilitators talked about confi-", "dentiality with every new member."]
    cleaned = clean_pages(pages)
    assert cleaned[0].text.endswith("confi")
    assert cleaned[0].joins_next
    assert cleaned[1].text.startswith("dentiality")


def test_ligatures_and_invisible_characters_are_normalised():
    assert normalise_unicode("ﬁnding ﬂow e\u00adnough\u200b\uf0b7") == "finding flow enough"


def test_whitespace_is_tidied_but_words_are_untouched():
    out = clean_pages(["  Two   spaces   here.  \n\n\n\nNext   paragraph."])[0].text
    assert out == "Two spaces here.\n\nNext paragraph."


def test_dot_leaders_in_contents_collapse():
    out = clean_pages(["Ground rules ............ 12\nVenues . . . . . . . . 14"])[0].text
    assert out == "Ground rules … 12\nVenues … 14"


def test_a_short_page_loses_its_whole_footer():
    long_pages = [
        "\n".join([f"Line {i} of page {n}." for i in range(12)])
        + "\nChapter 5 Ground rules\nSample footer of the book.\n"
        + str(n)
        for n in range(1, 8)
    ]
    short = "The last words of the chapter.\nChapter 5 Ground rules\nSample footer of the book.\n8"
    cleaned = clean_pages([*long_pages, short])
    assert cleaned[-1].text == "The last words of the chapter."
    assert all("Sample footer" not in c.text and "Chapter 5" not in c.text for c in cleaned)


def test_contents_pages_are_marked():
    contents = "Contents\n" + "\n".join(f"{n}.1 A section title\n{n * 3}" for n in range(1, 9))
    more = "9.1 Another section\n30\nSources\n31"
    body = "A page of ordinary text about groups.\nIt mentions 3 groups and 12 people.\nEnd."
    marks = [c.contents for c in clean_pages([contents, more, body, "Preface … 5\n" * 6])]
    assert marks == [True, True, False, True]

"""indexer.wire: headers, datelines, sign-offs, boilerplate and titles (pure text in, text out)."""

import datetime as dt
from pathlib import Path

import pytest

from indexer.story import BadStoryError
from indexer.wire import (
    TITLE_MAX_CHARS,
    derive_title,
    is_boilerplate,
    parse_date,
    parse_dateline,
    parse_header,
    parse_story,
    split_signoff,
    story_from_text,
    strip_boilerplate,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "corpus" / "000_622617eaaf54721c.txt"
FIXTURES = Path(__file__).parent / "fixtures" / "stories"


@pytest.fixture
def example_story():
    return parse_story(EXAMPLE.read_text(encoding="utf-8"), path=EXAMPLE.name)


# --- the example story -------------------------------------------------------------------


def test_example_story_metadata(example_story):
    assert example_story.id == "000_622617eaaf54721c"
    assert example_story.path == "000_622617eaaf54721c.txt"
    assert example_story.date == dt.date(2024, 2, 19)
    assert example_story.place == "New Delhi"
    assert example_story.agency == "PTI"
    assert example_story.slug == "PTI MPB KVK KVK"
    assert example_story.dateline == "New Delhi, Feb 19 (PTI)"


def test_example_story_body_is_clean(example_story):
    body = example_story.body
    assert body.startswith("India and the US will explore ways to bolster")
    assert "Advertisment" not in body
    assert "PTI MPB" not in body
    assert "KVK" not in body
    assert "date 2024-02-19" not in body
    assert "New Delhi, Feb 19 (PTI)" not in body
    assert body.endswith("logistics and geospatial maps between the two countries.")
    # paragraphs survive; ad lines do not leave empty ones behind
    assert "\n\n\n" not in body
    assert body.count("\n\n") == 13  # 14 paragraphs


def test_example_story_title_is_lead_cut_at_word_boundary(example_story):
    title = example_story.title
    lead = example_story.body.split("\n", 1)[0]
    assert title.endswith("…")
    assert len(title) <= TITLE_MAX_CHARS + 1
    stem = title.removesuffix("…")
    assert lead.startswith(stem)
    # the cut falls between two words, not inside one
    assert lead[len(stem)] == " "
    assert title == (
        "India and the US will explore ways to bolster their strategic cooperation "
        "at a two-day summit beginning…"
    )


# --- datelines ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, place, agency, month, day",
    [
        ("New Delhi, Feb 19 (PTI) India and the US will", "New Delhi", "PTI", 2, 19),
        ("Amritsar (Punjab) [India], January 1 (ANI): The state", "Amritsar", "ANI", 1, 1),
        ("NEW DELHI (Reuters) - India's central bank", "New Delhi", "Reuters", None, None),
        ("CLEVELAND, Feb 26 - LTV Steel Co said", "Cleveland", "", 2, 26),
        ("WASHINGTON (AP) — The Senate voted", "Washington", "AP", None, None),
        ("PARIS (AFP) - Finance ministers met", "Paris", "AFP", None, None),
        ("Mumbai, March 7 (IANS) The budget session", "Mumbai", "IANS", 3, 7),
        ("Kolkata, Jan 3 (UNI) The police warned", "Kolkata", "UNI", 1, 3),
        ("THE HAGUE, March 2 - Dutch exports rose", "The Hague", "", 3, 2),
        ("Thiruvananthapuram, May 20 (PTI) Heavy rain", "Thiruvananthapuram", "PTI", 5, 20),
        ("BEIJING, Feb. 19 (Xinhua) -- China's exports", "Beijing", "Xinhua", 2, 19),
        ("New Delhi [India], February 19 (ANI): The", "New Delhi", "ANI", 2, 19),
        ("SAN JOSE, Calif., April 13 - Resdel Industries", "San Jose", "", 4, 13),
        # place in capitals and a separator, no agency or date (site-written copy)
        ("NEW DELHI: The government on Monday", "New Delhi", "", None, None),
        ("WASHINGTON — President Biden said", "Washington", "", None, None),
    ],
)
def test_parse_dateline(text, place, agency, month, day):
    line = parse_dateline(text)
    assert line is not None
    assert (line.place, line.agency, line.month, line.day) == (place, agency, month, day)
    # the story text starts right after the dateline
    assert text[line.end :][:1].isalpha() or text[line.end :][:1] in "'\""
    assert text.startswith(line.text)


@pytest.mark.parametrize(
    "text",
    [
        "The defence ministry said the summit marks a milestone.",
        "India and the US will explore ways to bolster their cooperation.",
        "Officials said the agenda, March 7 onwards, is packed.",
        "Tokyo, March 3 the company said it would cut jobs.",
        "Sales rose 5 pct in March, the company said.",
        "It was a cold day in Paris (AFP reports were wrong).",
        "The AP reported that the vote was close.",
        "Tata Motors (TTM) shares rose 3 per cent on Monday.",
        # an agency named in the lead is not a dateline
        "The Press Trust of India (PTI) has learnt that the deal is off.",
        "Agence France-Presse (AFP) said on Monday it would close its Kabul bureau.",
        # a separator alone needs a place in capitals
        "Officials said: the deal is off.",
        "India - the largest democracy - votes in April.",
        # a table row's label (Reuters' futures tables) is no place
        "APR7 -- -- -- --",
        "MAR8 -- -- MINNEAPOLIS WHEAT",
    ],
)
def test_ordinary_lead_is_not_a_dateline(text):
    assert parse_dateline(text) is None


# --- sign-offs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, kept, slug, agency",
    [
        ("The market closed higher.\n\nReuter", "The market closed higher.", "Reuter", "Reuters"),
        ("The market closed higher. Reuter", "The market closed higher.", "Reuter", "Reuters"),
        (
            "The pact was signed between the two countries. PTI MPB KVK KVK",
            "The pact was signed between the two countries.",
            "PTI MPB KVK KVK",
            "PTI",
        ),
        ("Residents were warned. UNI AKS SW 1518", "Residents were warned.", "UNI AKS SW 1518", "UNI"),
        ("The film releases on Friday. -- IANS", "The film releases on Friday.", "-- IANS", "IANS"),
        (
            "The film releases on Friday.\n\n--IANS abc/xyz",
            "The film releases on Friday.",
            "--IANS abc/xyz",
            "IANS",
        ),
        (
            "Prices rose.\n\n(Reporting by Jane Doe; Editing by John Roe)",
            "Prices rose.",
            "(Reporting by Jane Doe; Editing by John Roe)",
            "",
        ),
        ("Talks went on late.\n\nburs-jj/ach", "Talks went on late.", "burs-jj/ach", ""),
        ("The shrine was lit up. (ANI)", "The shrine was lit up.", "(ANI)", "ANI"),
        ("The policy starts soon.\n\n--IANS\nsrs/pgh", "The policy starts soon.", "--IANS srs/pgh", "IANS"),
        (
            "The vote was 60-40.\n\n___\n\nAssociated Press writer Jane Doe contributed to this report.",
            "The vote was 60-40.",
            "___ Associated Press writer Jane Doe contributed to this report.",
            "",
        ),
    ],
)
def test_split_signoff(body, kept, slug, agency):
    assert split_signoff(body) == (kept, slug, agency)


@pytest.mark.parametrize(
    "body",
    [
        "The minister told Reuters.",
        '"We will act," he told Reuters.',
        "He said so in an interview with PTI.",
        "The deal was first reported by PTI",
        "It was reported by the AP.",
        "Shares of Reuter rose",
    ],
)
def test_agency_named_in_last_sentence_stays(body):
    assert split_signoff(body) == (body, "", "")


# --- boilerplate --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Advertisment",  # the seed's misspelling
        "Advertisement",
        "ADVERTISEMENT",
        "Story continues below this ad",
        "Also Read: India, US to hold defence summit",
        "Also Read | Modi to visit US",
        "Read more: India-US ties",
        "Follow us on Google News",
        "Join us on Telegram",
        "Share this article",
        "Subscribe to our newsletter",
        "Sign up for our daily newsletter",
        "Download The Mint News App to get Daily Market Updates.",
        "Catch all the Business News, Market News, Breaking News and Latest News Updates on Live Mint.",
        "Click here to read more",
        "(This story has not been edited by Example staff and is auto-generated from a syndicated feed.)",
        "(With inputs from PTI)",
        "Photo: PTI",
        "(Photo: Reuters)",
        "Photo credit: ANI",
        "Representational image",
        "PTI Photo",
        "Edited by Rahul Sharma",
        "First published: Feb 19, 2024, 10:30 IST",
        "Advertisement · Scroll to continue",
        "For the latest news, follow us on Twitter and Instagram.",
        "Watch: India beat Australia in the final",
    ],
)
def test_boilerplate_line_is_removed(line):
    assert is_boilerplate(line)
    assert strip_boilerplate(["The summit opens on Tuesday.", line, "It ends on Wednesday."]) == [
        "The summit opens on Tuesday.",
        "It ends on Wednesday.",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "The advertisement campaign cost the company Rs 50 crore, officials said.",
        "Advertisement revenue fell 12 per cent in the quarter.",
        "Also read by millions, the newspaper has a long history.",
        "Follow-up talks will be held in March, the ministry said.",
        "Share prices rose sharply after the announcement.",
        "Subscribers to the service will get a discount, the company said.",
        "Photo identity cards will be mandatory at polling booths, the Election Commission said.",
        "Pictures from the summit showed the two leaders shaking hands.",
        "By the end of the year, the government hopes to finish the project.",
        "Print media circulation fell in 2023.",
        # a sentence that opens with a rule's word is still a sentence
        "By Friday the rupee had recovered.",
        "Updated estimates put the toll at 120 for 2023, officials said.",
        "Register to vote before March 31, the Election Commission urged first-time voters.",
        "Follow rules on masks, the health ministry told states on Monday.",
        "Download the Aarogya Setu app, the prime minister urged citizens on Tuesday.",
        "Watch the skies on Monday night, the scientists said.",
        "For more than a decade, he has lived in Delhi and followed the case.",
    ],
)
def test_sentence_mentioning_boilerplate_word_stays(sentence):
    assert not is_boilerplate(sentence)
    assert strip_boilerplate([sentence]) == [sentence]


def test_boilerplate_line_inside_a_paragraph_is_removed():
    assert strip_boilerplate(["The summit opens.\nAdvertisement\nIt ends soon."]) == [
        "The summit opens.\nIt ends soon."
    ]


# --- headers ------------------------------------------------------------------------------------


def test_header_fields_then_blank_line():
    text = (
        "Title: India, US to hold INDUS-X summit\nDate: 2024-02-19\nUrl: https://example.com/a\n"
        "Source: Example News\nAgency: PTI\nPlace: New Delhi\n\nThe body starts here.\n"
    )
    fields, body = parse_header(text)
    assert fields == {
        "title": "India, US to hold INDUS-X summit",
        "date": "2024-02-19",
        "url": "https://example.com/a",
        "source": "Example News",
        "agency": "PTI",
        "place": "New Delhi",
    }
    assert body == "The body starts here.\n"


@pytest.mark.parametrize(
    "text",
    [
        "New Delhi, Feb 19 (PTI) India and the US will talk.",
        "Note: this is a sentence.\n\nMore.",
        # header lines must end with a blank line
        "Title: Hello\nDate: 2024-02-19\nBody text starts here.",
    ],
)
def test_text_without_header(text):
    assert parse_header(text) == ({}, text)


def test_headline_key_is_title_and_bom_is_dropped():
    fields, body = parse_header("\ufeffHeadline: Hello\n\nText.")
    assert fields == {"title": "Hello"}
    assert body == "Text."


def test_leading_date_field():
    fields, body = parse_header(" date 2024-02-19 New Delhi, Feb 19 (PTI) India ...")
    assert fields == {"date": "2024-02-19"}
    assert body == "New Delhi, Feb 19 (PTI) India ..."


def test_header_values_win_over_text():
    story = parse_story(
        "Title: A headline\nDate: 2024-02-19\nUrl: https://example.com/a\nSource: Example\n"
        "Agency: Reuters\nPlace: Bengaluru\n\nNew Delhi, Feb 19 (PTI) India and the US will talk. PTI ABC\n",
        path="2024/02/19/abc.txt",
    )
    assert story.id == "abc"
    assert story.title == "A headline"
    assert story.date == dt.date(2024, 2, 19)
    assert (story.agency, story.place) == ("Reuters", "Bengaluru")
    assert (story.url, story.source, story.slug) == ("https://example.com/a", "Example", "PTI ABC")
    assert story.body == "India and the US will talk."


def test_crlf_file_parses():
    story = parse_story("Title: T\r\nDate: 2024-02-19\r\n\r\nText here.\r\n\r\nMore text.\r\n")
    assert (story.title, story.date, story.body) == ("T", dt.date(2024, 2, 19), "Text here.\n\nMore text.")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2024-02-19", dt.date(2024, 2, 19)),
        ("2024-02-19T10:30:00+05:30", dt.date(2024, 2, 19)),
        ("26-FEB-1987 15:01:01.79", dt.date(1987, 2, 26)),
        ("19 February 2024", dt.date(2024, 2, 19)),
        ("", None),
        ("not a date", None),
        ("2024-13-45", None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "empty file"),
        ("   \n\n", "empty file"),
        ("a\x00b", "binary content (NUL bytes)"),
        ("Advertisment\n\nAdvertisement\n", "no story text"),
        ("Title: Only a header\n\n", "no story text"),
    ],
)
def test_bad_story(text, reason):
    with pytest.raises(BadStoryError) as e:
        parse_story(text)
    assert str(e.value).startswith(reason)


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.txt")))
def test_fixture_stories_parse(name):
    story = parse_story((FIXTURES / name).read_text(encoding="utf-8"), path=name)
    assert story.title and story.body
    assert "Advertisement" not in story.body
    assert "Also Read" not in story.body
    assert "Follow us" not in story.body
    assert "syndicated feed" not in story.body


def test_dateline_without_year_takes_no_date():
    # "Mumbai, March 7" names no year; guessing one would mis-date old stories
    assert story_from_text("Mumbai, March 7 (IANS) Text here.", id="x").date is None


# --- titles -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, title",
    [
        ("Shares rose 2.5 pct. Bonds fell.", "Shares rose 2.5 pct."),
        ("U.S. shares rose 2 pct on Monday. Then they fell.", "U.S. shares rose 2 pct on Monday."),
        ('"We will win," he said. Then he left.', '"We will win," he said.'),
        ("One line only", "One line only"),
        ("First paragraph.\n\nSecond paragraph.", "First paragraph."),
        (
            "Dr. Manmohan Singh, the former prime minister, was admitted to AIIMS on Sunday. He is stable.",
            "Dr. Manmohan Singh, the former prime minister, was admitted to AIIMS on Sunday.",
        ),
    ],
)
def test_derive_title(body, title):
    assert derive_title(body) == title


def test_derive_title_cuts_long_lead_at_word_boundary():
    body = " ".join(["defence"] * 40) + "."
    title = derive_title(body)
    assert len(title) <= TITLE_MAX_CHARS + 1
    assert title.endswith("defence…")

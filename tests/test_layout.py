"""Finding the story inside page text: one crafted case for each rule of layout, credits,
datelines and the agency table (the real pages are in test_wire_cases.py)."""

import datetime as dt

import pytest

from indexer.agencies import AGENCIES, normalise_agency
from indexer.credits import parse_byline, parse_credit_line
from indexer.datelines import parse_dateline, parse_stamp
from indexer.layout import sort_lines
from indexer.wire import derive_title, explain_story, is_boilerplate, parse_story, split_signoff

LEAD = "The ministry said the summit would open on Tuesday with talks on defence."


def story(text):
    return parse_story(text, path="x.txt")


# --- the agency table ------------------------------------------------------------------------

ISSUE_AGENCIES = (
    "PTI IANS ANI UNI Reuters AP AFP Xinhua APP IBNS TNS NNN Bernama Anadolu Yonhap Kyodo dpa "
    "EFE ANSA KUNA WAM SPA IRNA TASS Interfax UPI Bloomberg CP AAP PA BSS"
).split()


@pytest.mark.parametrize("name", ISSUE_AGENCIES)
def test_every_agency_of_the_issue_is_in_the_table(name):
    assert name in {a.name for a in AGENCIES}
    agency = next(a for a in AGENCIES if a.name == name)
    assert agency.credited and agency.signoffs


@pytest.mark.parametrize(
    "spelling, name",
    [
        ("Associated Press", "AP"),
        ("The Associated Press", "AP"),
        ("Press Trust of India", "PTI"),
        ("NNN-BERNAMA", "Bernama"),
        ("Itar-Tass", "TASS"),
        ("Agence France-Presse", "AFP"),
        ("REUTER", "Reuters"),
    ],
)
def test_credited_names_map_to_the_canonical_name(spelling, name):
    assert normalise_agency(spelling) == name


# --- where the story opens --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, place, agency",
    [
        # after a headline and chrome
        (f"Home | World\n\nIndia, US to hold summit\n\nNew Delhi, Feb 19 (PTI) {LEAD}", "New Delhi", "PTI"),
        # after a byline and a stamp
        (
            f"Summit opens\n\nBy Sajjad Hussain\n\nUpdated: 03-04-2022 21:29 IST\n\nISLAMABAD: {LEAD}",
            "Islamabad",
            "",
        ),
        # single line breaks, no blank lines
        (
            f"Menu\nSearch\nIndia, US to hold summit\nMUMBAI (Reuters) - {LEAD}\nMore text here.",
            "Mumbai",
            "Reuters",
        ),
        # glued without a space
        (
            "Summit opens\nISLAMABAD:Prime Minister Imran Khan said the summit would open on Tuesday.",
            "Islamabad",
            "",
        ),
        # staff datelines
        (f"Summit opens\n\nNew Delhi: {LEAD}", "New Delhi", ""),
        (f"Summit opens\n\nIndore (Madhya Pradesh): {LEAD}", "Indore", ""),
        (f"Summit opens\n\nSrinagar, July 8: {LEAD}", "Srinagar", ""),
        (f"Summit opens\n\nNew Delhi, August 29\n\n{LEAD}", "New Delhi", ""),
        (f"Summit opens\n\nCHENNAI\n\n{LEAD}", "Chennai", ""),
        # several cities, places outside ASCII, no place
        (f"ISLAMABAD/NEW DELHI (Reuters) - {LEAD}", "Islamabad/New Delhi", "Reuters"),
        (f"SÃO PAULO (Reuters) - {LEAD}", "São Paulo", "Reuters"),
        (f"Düsseldorf, Germany (AP) — {LEAD}", "Düsseldorf", "AP"),
        (f"March 11 (Reuters) - {LEAD}", "", "Reuters"),
        # a byline before the dateline on the same line
        (f"By Lalit K Jha Washington, Aug 10 (PTI) {LEAD}", "Washington", "PTI"),
        (f"By IANS, Kolkata : {LEAD}", "Kolkata", "IANS"),
        # lower-case agency; a place and its agency with no separator
        (f"New Delhi, Feb 19 (pti) {LEAD}", "New Delhi", "PTI"),
        (f"Paris (AFP) {LEAD}", "Paris", "AFP"),
        # credit lines
        (f"Summit opens\n\nPTI | Chennai | Updated: 03-04-2022 21:29 IST\n\n{LEAD}", "Chennai", "PTI"),
        (f"Summit opens\n\nEdited by Ravi | Mumbai | PTI\n\n{LEAD}", "Mumbai", "PTI"),
    ],
)
def test_dateline_found_where_it_opens_the_story(text, place, agency):
    s = story(text)
    assert (s.place, s.agency) == (place, agency)
    assert s.body.startswith(LEAD[:40]) or s.body.startswith("Prime Minister Imran Khan")


def test_text_above_the_dateline_is_sorted():
    s = story(
        "Skip to content\nHome\nWorld\n\nIndia, US to hold INDUS-X summit\n\n"
        "By DARLENE SUPERVILLE and TOM RAUM, Associated Press Writers\n\n"
        "Posted: Feb 02, 2017 8:52 PM\n\n"
        f"WASHINGTON (AP) — {LEAD}\n\nThe talks end on Wednesday."
    )
    assert s.title == "India, US to hold INDUS-X summit"
    assert s.byline == "By DARLENE SUPERVILLE and TOM RAUM, Associated Press Writers"
    assert s.date == dt.date(2017, 2, 2)
    assert (s.place, s.agency) == ("Washington", "AP")
    assert s.body == f"{LEAD}\n\nThe talks end on Wednesday."


def test_without_a_dateline_the_story_opens_at_the_first_paragraph():
    s = story(f"Trending\nLogin\nSports\n\nIndia beat Australia\n\n{LEAD}\n\nThe talks end on Wednesday.")
    assert s.title == "India beat Australia"
    assert s.body.startswith(LEAD)
    assert "Trending" not in s.body and "Sports" not in s.body


def test_a_site_tagline_is_not_the_first_paragraph():
    s = story(f"We bring you the news!\nWorld\nIndia beat Australia\n\n{LEAD}\n\nThe talks end on Wednesday.")
    assert s.body.startswith(LEAD)


@pytest.mark.parametrize(
    "text",
    [
        "Pakistan Tehreek-e-Insaf (PTI) – the party of Imran Khan – said it would contest the polls.",
        "Pakistan Tehreek-e-Insaf (PTI) Chairman Imran Khan said the party would contest the polls.",
        "The Press Trust of India (PTI) has learnt that the deal is off.",
        "India: BJP desperate to rewrite history, says Cong",
        "Sidhant: Sir, what is India's reaction?",
        "Thursday, June 10, 2021",
        "FILE PHOTO: A pump jack operates at a well site near Guthrie, Oklahoma, in 2015.",
    ],
)
def test_a_line_that_merely_looks_like_a_dateline_is_not_one(text):
    line = parse_dateline(text)
    assert line is None or line.agency == ""
    assert line is None


def test_a_party_named_pti_is_not_the_agency():
    s = story("Pakistan Tehreek-e-Insaf (PTI) – the party of Imran Khan – said it would contest the polls.")
    assert s.agency == ""
    assert s.body.startswith("Pakistan Tehreek-e-Insaf (PTI)")


def test_a_speaker_after_the_story_began_is_not_a_dateline():
    s = story(
        "Transcript of the briefing\n\n"
        "Official Spokesperson: Good afternoon to all of you and thank you for coming.\n\n"
        "Sidhant: Sir Sidhant from WION. My question is about the meetings that are planned next year."
    )
    assert s.place == ""
    assert s.body.startswith("Official Spokesperson: Good afternoon")


# --- bylines and credit lines ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, byline, agency, place",
    [
        ("By Sajjad Hussain", "By Sajjad Hussain", "", ""),
        (
            "By Manish Chand, IANS, New Delhi : The talks opened on Monday with a long list of demands.",
            "By Manish Chand, IANS",
            "IANS",
            "New Delhi",
        ),
        (
            "By IANS New Delhi/Shimla : Heavy rain fell across the north on Wednesday, the office said.",
            "By IANS",
            "IANS",
            "New Delhi/Shimla",
        ),
        ("By KIM TONG-HYUNG, Associated Press", "By KIM TONG-HYUNG, Associated Press", "AP", ""),
    ],
)
def test_parse_byline(text, byline, agency, place):
    found = parse_byline(text)
    assert found is not None
    assert (found.text, found.agency) == (byline, agency)
    assert (found.dateline.place if found.dateline else "") == place


@pytest.mark.parametrize(
    "text", ["By the end of the year, the work was done.", "By Friday the rupee had recovered."]
)
def test_a_sentence_starting_with_by_is_no_byline(text):
    assert parse_byline(text) is None


def test_parse_credit_line():
    line = parse_credit_line("PTI | Chennai | Updated: 03-04-2022 21:29 IST")
    assert line is not None
    assert (line.agency, line.place, line.date) == ("PTI", "Chennai", dt.date(2022, 4, 3))
    headline = parse_credit_line("Oil prices slip but traders cheer vaccine approval | Reuters")
    assert headline is not None and headline.headline.startswith("Oil prices slip")
    assert parse_credit_line("Home | World | Sports") is None


# --- credits anywhere and sign-offs ------------------------------------------------------------


@pytest.mark.parametrize(
    "tail, agency",
    [
        ("(With inputs from PTI)", "PTI"),
        ("Copyright APP (Associated Press of Pakistan), 2022", "APP"),
        ("Associated Press writer Jane Doe in Paris contributed to this report.", "AP"),
        ("This report is auto-generated from Press Trust of India news service.", "PTI"),
    ],
)
def test_credit_anywhere_gives_the_agency(tail, agency):
    s = story(f"{LEAD}\n\nThe talks end on Wednesday.\n\n{tail}")
    assert s.agency == agency
    assert tail not in s.body


@pytest.mark.parametrize(
    "ending, agency",
    [
        ("The talks end on Wednesday.APP", "APP"),
        ("The talks end on Wednesday.-DNA", "DNA"),
        ("The talks end on Wednesday. — Reuters", "Reuters"),
        ("The talks end on Wednesday. -- BERNAMA", "Bernama"),
    ],
)
def test_glued_and_dashed_signoffs(ending, agency):
    s = story(f"{LEAD}\n\n{ending}")
    assert s.agency == agency
    assert s.body.endswith("The talks end on Wednesday.")


def test_signoff_followed_by_junk_is_removed():
    s = story(
        f"New Delhi, Feb 19 (PTI) {LEAD}\n\nThe talks end on Wednesday. PTI ABC XYZ\n\n"
        "(This is an unedited and auto-generated story from Syndicated News feed, LatestLY Staff may not "
        "have modified or edited the content body)\n\nTags: India US defence\n\nShare:"
    )
    assert s.slug == "PTI ABC XYZ"
    assert s.body.endswith("The talks end on Wednesday.")


def test_reuters_credits_before_the_trust_principles():
    s = story(
        f"LONDON (Reuters) - {LEAD}\n\n(Reporting by Jane Doe; Editing by John Roe)\n\n"
        "Our Standards: The Thomson Reuters Trust Principles."
    )
    assert s.slug == "(Reporting by Jane Doe; Editing by John Roe)"
    assert s.body == LEAD


def test_split_signoff_keeps_a_sentence_naming_an_agency():
    assert split_signoff("The minister told Reuters.") == ("The minister told Reuters.", "", "")


# --- boilerplate and stamps ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "This story has been sourced from a third party syndicated feed, agencies.",
        "This is an unedited and auto-generated story from Syndicated News feed.",
        "Disclaimer: No Business Standard Journalist was involved in creation of this content",
        "Published in Dawn, July 28th, 2022",
        "Advertising",
        "FP Photo",
        "©AFP",
        "Chief Minister M.K. Stalin at the meeting in Chennai on Monday. (PTI Photo)",
        "Share:",
        "Save Story",
        "Leave a Comment",
        "Support Our Journalism",
        "Tap here to turn on desktop notifications to get the news sent straight to you.",
        "Your email address will not be published. Required fields are marked *",
        "Our Standards: The Thomson Reuters Trust Principles.",
        "The post Oil rises appeared first on Example News.",
        "Error",
        "| | |",
    ],
)
def test_widened_boilerplate(line):
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "stamp, date",
    [
        ("Posted on March 13, 2014", dt.date(2014, 3, 13)),
        ("Updated: 03-04-2022 21:29 IST", dt.date(2022, 4, 3)),
        ("22 June 2020 20:08 IST", dt.date(2020, 6, 22)),
        ("Sunday, Jul 15th 2018", dt.date(2018, 7, 15)),
        ("Posted: Feb 02, 2017 8:52 PM", dt.date(2017, 2, 2)),
        ("Mon, 12/25/2017 - 08:01", dt.date(2017, 12, 25)),
        ("The vote on March 13, 2014 was close, officials said on Tuesday in the capital.", None),
    ],
)
def test_parse_stamp(stamp, date):
    assert parse_stamp(stamp) == date


def test_stamp_gives_the_date_and_the_year_of_a_dateline():
    s = story(f"Summit opens\n\n2015/04/29\n\nUNITED NATIONS, April 30. /TASS/. {LEAD}")
    assert (s.date, s.agency, s.place) == (dt.date(2015, 4, 30), "TASS", "United Nations")


# --- titles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, title",
    [
        (
            "Chief Minister M.K. Stalin said on Monday the state would act. Then he left.",
            "Chief Minister M.K. Stalin said on Monday the state would act.",
        ),
        (
            "D.K. Shivakumar met the Governor on Monday. He left later.",
            "D.K. Shivakumar met the Governor on Monday.",
        ),
        ("Error\n\nThe U.S. envoy met the minister. He left.", "The U.S. envoy met the minister."),
    ],
)
def test_title_never_cut_inside_initials_nor_a_junk_line(body, title):
    assert derive_title(body) == title


def test_title_is_never_a_junk_line():
    s = story(f"Share:\n\n| | |\n\n{LEAD}")
    assert s.title == LEAD


# --- explain -----------------------------------------------------------------------------------


def test_explain_traces_every_line():
    text = (
        "Home\n\nIndia, US to hold summit\n\nBy Sajjad Hussain\n\nNew Delhi, Feb 19 (PTI) "
        f"{LEAD}\n\nAdvertisement\n\nThe talks end on Wednesday. PTI ABC"
    )
    s, fates = explain_story(text, id="x")
    by_text = {f.text: (f.fate, f.rule) for f in fates}
    assert by_text["Home"] == ("dropped", "page prompt")
    assert by_text["India, US to hold summit"][0] == "headline"
    assert by_text["By Sajjad Hussain"][0] == "byline"
    assert by_text[f"New Delhi, Feb 19 (PTI) {LEAD}"][0] == "dateline"
    assert by_text["Advertisement"] == ("dropped", "ad label")
    assert by_text["PTI ABC"] == ("dropped", "sign-off")
    assert (s.agency, s.byline, s.slug) == ("PTI", "By Sajjad Hussain", "PTI ABC")


def test_sort_lines_keeps_paragraphs():
    layout = sort_lines(f"{LEAD}\nSecond line.\n\nThird paragraph.")
    assert layout.paragraphs == [f"{LEAD}\nSecond line.", "Third paragraph."]


# --- the end of the story ---------------------------------------------------------------------


def test_related_links_under_a_heading_are_dropped():
    s = story(
        f"{LEAD}\n\nALSO READ\n\nIndia beat Australia in the final at Ahmedabad\n\n"
        "The talks end on Wednesday, the ministry said."
    )
    assert "India beat Australia" not in s.body
    assert s.body.endswith("The talks end on Wednesday, the ministry said.")


def test_chrome_below_the_last_paragraph_is_dropped():
    s = story(
        f"New Delhi, Feb 19 (PTI) {LEAD}\n\nThe talks end on Wednesday.\n\n"
        "Tags: India, US, defence\n\nIndia beat Australia in the final\n\nCopyright © 2024 Example News. "
        "All rights reserved.\n\nPrivacy Policy"
    )
    assert s.body == f"{LEAD}\n\nThe talks end on Wednesday."


def test_a_signoff_line_at_the_end_still_names_the_agency():
    s = story(f"{LEAD}\n\nThe talks end on Wednesday.\n\n-- BERNAMA\n\nMost Popular")
    assert (s.agency, s.slug) == ("Bernama", "-- BERNAMA")
    assert s.body.endswith("The talks end on Wednesday.")


def test_data_at_the_end_is_not_chrome():
    s = story(f"{LEAD}\n\nThe scores:\n\nPalm Bay 18 22 13 17 — 70\n\nRockledge 14 11 6 15 — 44")
    assert s.body.endswith("Rockledge 14 11 6 15 — 44")


def test_a_name_above_the_agency_line_is_the_byline():
    s = story(f"Booth scam rocks city\nPradeep Sharma\nTribune News Service\n\nChandigarh, June 3\n{LEAD}")
    assert (s.byline, s.agency, s.place, s.title) == (
        "Pradeep Sharma",
        "TNS",
        "Chandigarh",
        "Booth scam rocks city",
    )


def test_a_stamp_may_name_the_page_s_place():
    assert parse_stamp("Wednesday, April 23, 2003, Chandigarh, India") == dt.date(2003, 4, 23)
    assert parse_stamp("March 13, 2014 Officials said the vote was close") is None

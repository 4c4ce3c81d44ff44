"""Syndicated copies: a small corpus of copies and non-copies with the expected clusters,
in memory and in a real index (bulk build, then stories added into its clusters)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from indexer import clusterstore
from indexer.clusters import cluster_stories
from indexer.index import add_to_index, build_index, current_generation, open_index
from indexer.searching import WhooshSearch
from indexer.story import Story
from indexer.syndication import is_copy, normalise_text, overlap, shingle_set

DAY = dt.date(2024, 2, 19)
WIRE = [
    "India and the US will explore ways to bolster their strategic cooperation at a two-day summit "
    "beginning on Tuesday, with a focus on co-production of military hardware, officials said.",
    "The INDUS-X summit represents a pivotal moment for advancing defence industrial cooperation between "
    "India and the US, the ministry said in a statement issued on Monday evening.",
    '"Startups, investors and government officials will come together to develop ambitious initiatives '
    'to drive INDUS-X forward," the ministry said, adding that twenty companies would take part.',
    "The summit is being organised by the Department of Defence Production and the US Department of "
    "Defense, with the Indian embassy in Washington hosting a reception for the delegates.",
    "Officials said the two sides were also expected to review progress on a jet engine deal signed "
    "last year, under which engines would be made in India for the first time.",
]
# An independent report of the same event: same names, a shared quote, its own words.
OTHER = [
    "Defence startups from both countries gathered in New Delhi as the INDUS-X summit opened, with "
    "executives saying they hoped to sign supply contracts before the end of the year.",
    '"Startups, investors and government officials will come together to develop ambitious initiatives '
    'to drive INDUS-X forward," the ministry said.',
    "A founder of a drone company from Bengaluru said small firms still struggled with export licences, "
    "and that the summit would show whether the new rules worked in practice.",
    "American officials at the venue declined to comment on the jet engine deal, saying talks on the "
    "technology transfer were continuing and would take several more months.",
]
UNRELATED = [
    "Heavy monsoon rainfall flooded low-lying streets in Mumbai on Monday, and the city opened relief "
    "camps for families living near the river banks, the municipal corporation said.",
    "The weather office said the monsoon would stay active for three more days, and schools in the "
    "suburbs were closed as a precaution while trains ran late on two lines.",
]


def story(id: str, paras: list[str], *, agency: str = "", day: dt.date = DAY, title: str = "") -> Story:
    return Story(id=id, title=title or id, body="\n\n".join(paras), date=day, agency=agency, source=id)


def curly(text: str) -> str:
    return text.replace('"', "\u201c", 1).replace('"', "\u201d").replace(" - ", " \u2014 ")


LOCAL = "The Hyderabad-based defence firms are expected to send a delegation of their own, a spokesman said."
CORPUS = [
    story("wire", WIRE, agency="PTI", title="India, US to explore co-production of military hardware"),
    # trimmed to three paragraphs, curly quotes, headline rewritten, no credit
    story(
        "dawn", [curly(p) for p in WIRE[:3]], day=DAY + dt.timedelta(days=1), title="US, India hold summit"
    ),
    # a local paragraph inserted, the last one cut
    story("hindu", [WIRE[0], LOCAL, *WIRE[1:4]], agency="PTI", title="INDUS-X summit begins"),
    story("staff", OTHER, title="Startups flock to INDUS-X"),
    story("rain", UNRELATED, agency="PTI"),
    # the same text a month later is another story (outside the time window)
    story("later", WIRE, agency="PTI", day=DAY + dt.timedelta(days=30)),
]


def test_typography_and_case_do_not_matter():
    assert normalise_text("\u201cDon\u2019t\u201d \u2014 SAID") == '"don\'t" - said'
    assert (shingle_set(curly(WIRE[2]).upper()) == shingle_set(WIRE[2])).all()


@pytest.mark.parametrize(
    ("a", "b", "copy"),
    [
        ("wire", "dawn", True),  # trimmed copy: contained in the wire story
        ("wire", "hindu", True),
        ("wire", "staff", False),  # shares a quote and names only
        ("wire", "rain", False),
    ],
)
def test_pairs(a, b, copy):
    by_id = {s.id: s for s in CORPUS}
    assert is_copy(overlap(shingle_set(by_id[a].body), shingle_set(by_id[b].body))) is copy


def test_expected_clusters_and_lead():
    _, labels = cluster_stories(CORPUS)
    got = {s.id: label for s, label in zip(CORPUS, labels, strict=True)}
    assert {sid for sid, label in got.items() if label.cluster == "wire"} == {"wire", "dawn", "hindu"}
    assert (
        got["staff"].cluster == "staff" and got["rain"].cluster == "rain" and got["later"].cluster == "later"
    )
    # the uncredited copy takes the agency of the credited lead
    assert got["dawn"].agency_inferred == "PTI" and got["hindu"].agency_inferred == ""


def test_lead_is_credited_then_earliest():
    uncredited = [s.replace(agency="") for s in CORPUS[:3]]
    _, labels = cluster_stories(uncredited)
    assert {label.cluster for label in labels} == {"wire"}  # earliest (dawn is a day later)
    _, labels = cluster_stories([uncredited[0], CORPUS[1].replace(agency="AFP")])
    assert {label.cluster for label in labels} == {"dawn"}


def stored(index_dir: Path, story_id: str) -> Story:
    backend = WhooshSearch(index_dir)
    try:
        found = backend.get_story(story_id)
        assert found is not None
        return found
    finally:
        backend.close()


def test_build_stores_clusters_and_state(tmp_path):
    build_index(tmp_path, iter(CORPUS))
    assert stored(tmp_path, "dawn").cluster == "wire"
    assert stored(tmp_path, "dawn").agency_inferred == "PTI"
    assert stored(tmp_path, "staff").cluster == "staff"
    gen = current_generation(tmp_path)
    assert gen is not None and (gen / clusterstore.STATE_DIR / "keys.npy").exists()
    ix = open_index(tmp_path)
    assert clusterstore.load_state(gen, ix.latest_generation()) is not None
    ix.close()


def test_added_copy_joins_existing_cluster_and_new_lead_relabels(tmp_path):
    by_id = {s.id: s for s in CORPUS}
    build_index(tmp_path, iter([by_id["dawn"], by_id["staff"], by_id["rain"]]))
    assert stored(tmp_path, "dawn").cluster == "dawn"
    add_to_index(tmp_path, [by_id["hindu"]])  # credited: becomes the lead
    assert stored(tmp_path, "hindu").cluster == "hindu"
    assert stored(tmp_path, "dawn").cluster == "hindu"
    assert stored(tmp_path, "dawn").agency_inferred == "PTI"
    add_to_index(tmp_path, [by_id["wire"]])  # credited and earlier than hindu's date? same day, longer
    assert {stored(tmp_path, i).cluster for i in ("wire", "dawn", "hindu")} == {"wire"}
    assert stored(tmp_path, "staff").cluster == "staff"


def test_missing_state_is_rebuilt_from_the_index(tmp_path):
    by_id = {s.id: s for s in CORPUS}
    build_index(tmp_path, iter([by_id["wire"], by_id["staff"]]))
    gen = current_generation(tmp_path)
    assert gen is not None
    for f in (gen / clusterstore.STATE_DIR).iterdir():
        f.unlink()
    add_to_index(tmp_path, [by_id["dawn"]])
    assert stored(tmp_path, "dawn").cluster == "wire"

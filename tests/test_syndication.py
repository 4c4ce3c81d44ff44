"""Syndicated copies: a small corpus of copies and non-copies with the expected clusters,
in memory and in a real index (bulk build, then stories added into its clusters)."""

from __future__ import annotations

import datetime as dt
import html
import random
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from indexer import clusterstore
from indexer.cli import cli
from indexer.clusters import cluster_stories
from indexer.index import add_to_index, build_index, current_generation, open_index
from indexer.ingest import add_pages
from indexer.search import SearchRequest
from indexer.searching import WhooshSearch
from indexer.story import Story
from indexer.syndication import is_copy, normalise_text, overlap, shingle_set
from webui import create_app
from webui.backend import close_backend

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
    assert gen is not None and (gen / clusterstore.STATE_DIR / clusterstore.META_FILE).exists()
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


# --- acceptance: the sample corpus plus two outlets' pages of its story ----------------------

SEED_ID = "000_622617eaaf54721c"


def seed_paragraphs() -> list[str]:
    text = (Path(__file__).resolve().parents[1] / "corpus" / f"{SEED_ID}.txt").read_text(encoding="utf-8")
    paras = [p.strip() for p in text.split("\n\n") if p.strip() and p.strip() != "Advertisment"]
    first = paras[0].split("(PTI)", 1)[1].strip()  # the body after the scraped date and dateline
    return [first, *paras[1:-1]]  # the last paragraph carries the agency slug


def outlet_page(site: str, url: str, headline: str, paras: list[str]) -> bytes:
    """A news site's page: navigation, share buttons and a footer around the article."""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paras)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{headline} | {site}</title>
<meta property="og:site_name" content="{site}"><meta property="og:title" content="{headline}">
<meta property="article:published_time" content="2024-02-20T09:30:00+05:30">
<link rel="canonical" href="{url}">
</head><body><nav><a href="/">Home</a> <a href="/india">India</a> <a href="/world">World</a></nav>
<article><h1>{headline}</h1><div class="share">Share on WhatsApp · Share on X</div>
{body}</article><footer>© 2024 {site}. All rights reserved. <a href="/privacy">Privacy</a></footer>
</body></html>""".encode()


@pytest.fixture
def client_for():
    apps = []

    def make(index_dir: Path):  # type: ignore[no-untyped-def]
        app = create_app({"TESTING": True, "INDEX": str(index_dir)})
        apps.append(app)
        return app.test_client()

    yield make
    for app in apps:
        close_backend(app)


def test_two_outlets_copies_give_one_result_carried_by_three(make_index, client_for):
    corpus_dir, index_dir = make_index()
    paras = seed_paragraphs()
    curly = [p.replace(" '", " \u2018").replace("' ", "\u2019 ").replace('"', "\u201d") for p in paras[:6]]
    dawn = outlet_page("Dawn", "https://www.dawn.com/news/indus-x", "US, India open defence summit", curly)
    local = "Officials in Bengaluru said several start-ups from the city had been invited to the summit."
    tribune_paras = [paras[0], local, *paras[1:-1], "(With inputs from PTI)"]
    tribune = outlet_page(
        "The Tribune",
        "https://www.tribuneindia.com/news/indus-x",
        "INDUS-X summit to begin in Delhi",
        tribune_paras,
    )
    report = add_pages(corpus_dir, index_dir, [("dawn.html", dawn), ("tribune.html", tribune)])
    assert len(report.added) == 2, report.skipped

    backend = WhooshSearch(index_dir)
    try:
        results = backend.search(SearchRequest('"INDUS-X summit"'))
        assert results.total == 1 and results.copies == 3
        (hit,) = results.hits
        assert hit.id == SEED_ID and hit.cluster == SEED_ID and hit.copies == 3
        assert set(hit.outlets) >= {"Dawn", "The Tribune"}
        every = backend.search(SearchRequest('"INDUS-X summit"', collapse=False))
        assert every.total == 3 and {h.cluster for h in every.hits} == {SEED_ID}
        dawn_copy = next(h for h in every.hits if h.agency == "" and h.id != SEED_ID)
        assert dawn_copy.agency_inferred == "PTI"
    finally:
        backend.close()

    client = client_for(index_dir)
    page = BeautifulSoup(client.get(f"/story/{SEED_ID}").get_data(as_text=True), "html.parser")
    copies = page.select(".copy-list li")
    assert len(copies) == 3
    changes = {
        li.select_one("a, strong").get_text(): li.select_one(".copy-change").get_text() for li in copies
    }
    assert "lead copy" in changes.pop(next(k for k in changes if "lead copy" in changes[k]))
    assert any("cut" in c and "headline changed" in c for c in changes.values())  # Dawn trimmed it
    assert any("added" in c for c in changes.values())  # The Tribune's own paragraph
    copy_page = client.get(f"/story/{dawn_copy.id}").get_data(as_text=True)
    assert "What this copy changed" in copy_page and "PTI (not credited by this outlet)" in copy_page
    data = client.get(f"/api/story/{SEED_ID}").get_json()
    assert data["cluster"] == SEED_ID
    assert [c["id"] for c in data["copies"]][0] == SEED_ID and len(data["copies"]) == 3
    assert set(data["copies"][0]) == {"id", "source", "date", "url", "title"}

    out = CliRunner().invoke(cli, ["search", "--index", str(index_dir), '"INDUS-X summit"'])
    assert out.exit_code == 0 and "1 story matches (3 copies)" in out.output
    assert "carried by 3 outlets: " in out.output and "Dawn" in out.output
    out = CliRunner().invoke(cli, ["search", "--index", str(index_dir), "--all-copies", '"INDUS-X summit"'])
    assert "3 stories match" in out.output
    api = client.get("/api/search", query_string={"q": '"INDUS-X summit"', "collapse": "false"}).get_json()
    assert api["total"] == 3 and {r["copies"] for r in api["results"]} == {3}
    assert client.get("/api/search", query_string={"q": "summit", "collapse": "maybe"}).status_code == 400
    # the uncredited copies (Dawn's; The Tribune credits "With inputs from PTI") are found by it
    args = {"q": "agency_inferred:pti summit", "collapse": "false"}
    inferred = client.get("/api/search", query_string=args).get_json()
    uncredited = {h.id for h in every.hits if not h.agency}
    assert dawn_copy.id in uncredited and {r["id"] for r in inferred["results"]} == uncredited


def test_a_big_batch_is_placed_like_a_small_one(tmp_path):
    """An import adds many stories at once (the sorting path): same clusters as one by one."""
    by_id = {s.id: s for s in CORPUS}
    build_index(tmp_path, iter([by_id["dawn"], by_id["staff"]]))
    rng = random.Random(5)
    words = sorted(set(" ".join(WIRE + OTHER + UNRELATED).lower().split()))
    filler = [
        story(f"filler-{i}", [" ".join(rng.choices(words, k=60))]) for i in range(clusterstore.SMALL_BATCH)
    ]
    add_to_index(tmp_path, [*filler, by_id["hindu"], by_id["rain"]])
    assert {stored(tmp_path, i).cluster for i in ("dawn", "hindu")} == {"hindu"}
    assert stored(tmp_path, "staff").cluster == "staff" and stored(tmp_path, "filler-3").cluster == "filler-3"


def test_results_page_shows_one_hit_carried_by_three(make_index, client_for):
    corpus_dir, index_dir = make_index()
    paras = seed_paragraphs()
    pages = [
        ("a.html", outlet_page("Dawn", "https://dawn.example/a", "US, India open summit", paras[:5])),
        ("b.html", outlet_page("The Tribune", "https://tribune.example/b", "INDUS-X begins", paras[1:])),
    ]
    add_pages(corpus_dir, index_dir, pages)
    client = client_for(index_dir)
    page = BeautifulSoup(client.get("/search", query_string={"q": '"INDUS-X summit"'}).data, "html.parser")
    hits = page.select(".hit")
    assert len(hits) == 1
    assert "carried by 3 outlets" in hits[0].select_one(".hit-copies").get_text()
    summary = page.select_one(".results-summary").get_text(" ", strip=True)
    assert "1 story matches" in summary and "3 copies" in summary
    every = BeautifulSoup(
        client.get("/search", query_string={"q": '"INDUS-X summit"', "collapse": "false"}).data, "html.parser"
    )
    assert len(every.select(".hit")) == 3


def test_each_add_saves_only_its_rows_and_the_state_reloads_whole(tmp_path):
    by_id = {s.id: s for s in CORPUS}
    build_index(tmp_path, iter([by_id["wire"], by_id["staff"]]))
    add_to_index(tmp_path, [by_id["dawn"]])
    add_to_index(tmp_path, [by_id["rain"]])
    gen = current_generation(tmp_path)
    assert gen is not None
    folder = gen / clusterstore.STATE_DIR
    assert len(list(folder.glob("chunk-*.npz"))) == 3  # the build's rows, then one chunk per add
    ix = open_index(tmp_path)
    state = clusterstore.load_state(gen, ix.latest_generation())
    ix.close()
    assert state is not None and state.ids == ["wire", "staff", "dawn", "rain"]
    add_to_index(tmp_path, [by_id["dawn"].replace(title="Corrected")])  # a saved row changes: compacted
    assert len(list(folder.glob("chunk-*.npz"))) == 1
    assert stored(tmp_path, "dawn").cluster == "wire"

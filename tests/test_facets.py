"""Facets: place names grouped across their forms, top values with a "more" page."""

from __future__ import annotations

from collections import Counter

import pytest
from bs4 import BeautifulSoup

from indexer.facets import display_form, group_counts, place_key, rank_counts, rank_facet, title_form
from indexer.search import FacetCount, SearchRequest
from indexer.searching import WhooshSearch
from webui.params import SearchParams
from webui.views import FACET_SHOWN


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("NEW DELHI", "New Delhi"),
        ("New-Delhi.", "new delhi"),
        ("St. Louis", "St Louis"),
        ("SÃO PAULO", "Sao Paulo"),
        ("Rio De Janeiro", "Rio de Janeiro"),
        ("  Mexico   City ", "Mexico city"),
        ("WALtHAM", "Waltham"),  # seen in Reuters-21578
    ],
)
def test_forms_of_one_place_share_a_key(a, b):
    assert place_key(a) == place_key(b)


@pytest.mark.parametrize(("a", "b"), [("Delhi", "New Delhi"), ("Paris", "Parish"), ("York", "New York")])
def test_different_places_keep_apart(a, b):
    assert place_key(a) != place_key(b)


@pytest.mark.parametrize(
    ("forms", "shown"),
    [
        ({"NEW DELHI": 10, "New Delhi": 3}, "New Delhi"),  # capitals are how datelines shout
        ({"NEW DELHI": 4}, "New Delhi"),
        ({"St. Louis": 70, "St Louis": 16}, "St. Louis"),  # the form most stories use
        ({"Waltham": 29, "WALtHAM": 1}, "Waltham"),
        ({"SÃO PAULO": 2}, "São Paulo"),
        ({"Rio de Janeiro": 2, "Rio De Janeiro": 2}, "Rio De Janeiro"),  # a tie: first by name
    ],
)
def test_display_form(forms, shown):
    assert display_form(forms) == shown


def test_title_form_keeps_apostrophes_and_hyphens():
    assert title_form("CÔTE D'IVOIRE") == "Côte D'Ivoire"
    assert title_form("WINSTON-SALEM") == "Winston-Salem"


def test_group_counts_sums_the_forms():
    groups = group_counts(Counter({"NEW DELHI": 2, "New Delhi": 5, "New-Delhi.": 1, "Mumbai": 3, "": 4}))
    assert groups == {"new delhi": FacetCount("New Delhi", 8), "mumbai": FacetCount("Mumbai", 3)}


def ranked_in_full(counts, chosen, limit):
    """rank_counts' answer the plain way: every group's display form, then the top `limit`."""
    groups = group_counts(counts)
    ranked = rank_facet(groups, limit)
    shown = {place_key(fc.value) for fc in ranked}
    ranked += [groups.get(place_key(v), FacetCount(v, 0)) for v in chosen if place_key(v) not in shown]
    return ranked, len(groups)


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 10])
def test_rank_counts_forms_only_the_top_groups_and_answers_the_same(limit):
    # ties at the cut are ordered by display form, which a shouting form changes (ZURICH -> Zurich)
    counts = Counter(ZURICH=3, Athens=3, athens=1, BERN=4, Bern=1, Oslo=4, LIMA=2, Rome=2, ROME=1)
    for chosen in [(), ("lima",), ("NEW DELHI", "Oslo", "rome")]:
        assert rank_counts("place", counts, chosen, limit) == ranked_in_full(counts, chosen, limit)
    assert rank_counts("place", Counter(), ("Lima",), limit) == ([FacetCount("Lima", 0)], 0)


# --- over a real index ------------------------------------------------------------------------


@pytest.fixture
def backend(research_index):
    b = WhooshSearch(research_index)
    yield b
    b.close()


def test_place_facet_groups_forms_and_filters_by_any(backend):
    results = backend.search(SearchRequest("government", facets=True))
    places = {fc.value: fc.count for fc in results.facets["place"]}
    assert "NEW DELHI" not in places and "New-Delhi." not in places
    # the seed story and the generated ones (New Delhi) plus NEW DELHI twice and New-Delhi. once
    hits = list(backend.iter_hits(SearchRequest("government"), 1000))
    forms = Counter(h.place for h in hits if place_key(h.place) == "new delhi")
    assert set(forms) == {"New Delhi", "NEW DELHI", "New-Delhi."}
    assert places["New Delhi"] == sum(forms.values())
    for written in ("New Delhi", "NEW DELHI", "new delhi"):
        filtered = backend.search(SearchRequest("government", place=(written,), facets=True))
        assert filtered.total == sum(forms.values()), written
        assert [fc for fc in filtered.facets["place"] if fc.value == "New Delhi"][0].count == filtered.total


def test_facet_limit_and_sizes(backend):
    short = backend.search(SearchRequest("government", facets=True, facet_limit=3))
    full = backend.search(SearchRequest("government", facets=True, facet_limit=1000))
    assert len(short.facets["place"]) == 3
    assert short.facet_sizes["place"] == len(full.facets["place"]) > 3
    assert short.facets["place"] == full.facets["place"][:3]
    counts = [fc.count for fc in full.facets["place"]]
    assert counts == sorted(counts, reverse=True)


def test_chosen_place_stays_visible_and_on_in_any_form(research_client):
    soup = soup_of(research_client.get("/search?q=government&place=NEW+DELHI"))
    on = soup.select("#facet-place + ul a.is-on .facet-value")
    assert [a.get_text() for a in on] == ["New Delhi"]
    # choosing it again removes the filter, whichever form the URL had
    link = soup.select_one("#facet-place + ul a.is-on")["href"]
    assert "place=" not in link


def test_sidebar_shows_top_values_and_a_more_link(research_client):
    soup = soup_of(research_client.get("/search?q=government&sort=newest"))
    size = research_client.get("/api/search?q=government").get_json()["facet_sizes"]["place"]
    assert size > FACET_SHOWN
    assert len(soup.select("#facet-place + ul li")) == FACET_SHOWN
    more = soup.select_one("a.facet-more")
    # the full list has every place, with the search's other choices kept
    assert more["href"].startswith("/search/facet/place?q=government") and "sort=newest" in more["href"]
    assert more.get_text() == f"All {size} places"
    full = soup_of(research_client.get(more["href"]))
    values = [a.get_text() for a in full.select(".facet-all .facet-value")]
    assert len(values) == len(set(values)) == size
    assert "Geneva" in values and "New Delhi" in values and "NEW DELHI" not in values
    first = full.select_one(".facet-all a")
    assert first["href"].startswith("/search?q=government&sort=newest&place=")


def test_no_more_link_when_all_values_show(research_client):
    soup = soup_of(research_client.get("/search?q=government"))
    assert soup.select_one("#facet-agency ~ a.facet-more") is None  # five agencies


def test_facet_page_errors(research_client):
    assert research_client.get("/search/facet/colour?q=government").status_code == 404
    assert research_client.get("/search/facet/place?q=x&page=0").status_code == 400
    empty = soup_of(research_client.get("/search/facet/place"))
    assert empty.select_one(".empty-state") is not None


def test_params_toggle_place_in_any_form():
    params = SearchParams(q="x", place=("NEW DELHI", "Mumbai"))
    assert params.has("place", "New Delhi") and not params.has("place", "Delhi")
    assert params.toggle("place", "new-delhi").place == ("Mumbai",)
    assert params.toggle("place", "Paris").place == ("NEW DELHI", "Mumbai", "Paris")

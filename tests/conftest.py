"""Shared fixtures: a real corpus and index in a temporary folder, and the Flask app.

The index is built once per session; tests that change an index build their own.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pytest

from indexer.ingest import reindex
from webui import create_app
from webui.backend import close_backend

SEED_STORY = Path(__file__).resolve().parents[1] / "corpus" / "000_622617eaaf54721c.txt"
SEED_ID = "000_622617eaaf54721c"

AGENCIES = ("PTI", "Reuters", "AP", "AFP", "IANS")
PLACES = ("New Delhi", "Mumbai", "London", "Washington", "Paris", "Tokyo", "Chennai")
# (headline, body) templates; every body names the government, so "government"
# matches every generated story and pages of results exist.
TOPICS = (
    (
        "Monsoon rains flood streets in {place}",
        "Heavy monsoon rainfall flooded low-lying streets in {place} on Monday, and the "
        "government opened relief camps for families.\n\nThe weather office said the monsoon "
        "would stay active for three more days. Schools were closed.",
    ),
    (
        "Election commission announces poll dates for {place}",
        "The election commission announced the dates of the state assembly election, and the "
        "government promised a peaceful poll.\n\nCounting of votes will take place a week later, "
        "officials said.",
    ),
    (
        "Cricket board names squad after {place} series",
        "The cricket board named a young squad for the tour, with two uncapped fast bowlers. "
        "The government congratulated the players.\n\nThe captain said the team was ready.",
    ),
    (
        "Shares close higher in {place} as banks gain",
        "Stock markets closed higher as banking shares gained for a third session; the "
        "government bond yield eased.\n\nTraders said foreign investors were buying again.",
    ),
    (
        "Railway ministry orders safety audit after {place} derailment",
        "The railway ministry ordered a safety audit after a goods train derailed near {place}. "
        "No one was hurt, the government said.\n\nTrains on the route were diverted.",
    ),
    (
        "Scientists report record heatwave in {place}",
        "Scientists said the heatwave set a record for the month, and the government issued a "
        "health advisory.\n\nHospitals reported a rise in cases of heatstroke.",
    ),
)
GENERATED = 30
FIRST_DATE = dt.date(2023, 1, 5)

# Stories on the seed story's subject, so "More like this" has something to find.
RELATED_STORIES = {
    "defence-expo": (
        "Title: Defence innovation expo opens with start-ups from India and the US\n"
        "Date: 2024-02-21\nAgency: IANS\nPlace: Bengaluru\n\n"
        "Defence start-ups from India and the US showed drones and sensors at an innovation expo, "
        "part of the INDUS-X defence innovation partnership.\n\n"
        "The defence ministry said bilateral defence cooperation and technology partnerships were growing.\n"
    ),
    "defence-pact": (
        "Title: India and US sign defence technology pact\n"
        "Date: 2024-03-12\nAgency: Reuters\nPlace: Washington\n\n"
        "India and the US signed a pact on defence technology and industrial cooperation, officials said.\n\n"
        "The strategic partnership covers defence innovation, co-production "
        "and the sharing of military technology.\n"
    ),
}

# Stories that try to inject markup through every field we show.
HOSTILE_STORIES = {
    "hostile-script": (
        "Title: <script>alert(1)</script> Hostile headline\n"
        "Date: 2024-03-01\n"
        "Url: javascript:alert(1)\n"
        "Agency: AP\n"
        "Place: Springfield\n\n"
        "The hostile government statement included <img src=x onerror=alert(1)> in its text.\n\n"
        "A second paragraph carried <script>alert(2)</script> and a hostile link.\n"
    ),
    "hostile-image": (
        "Title: <img src=x onerror=alert(1)> Hostile image headline\n"
        "Date: 2024-03-02\n"
        'Url: https://example.com/news?a=1&b="2"\n'
        "Agency: Reuters\n"
        "Place: <b>Springfield</b>\n\n"
        "Another hostile government story with <svg onload=alert(1)> and &amp; entities.\n"
    ),
}


def story_file(headline: str, date: dt.date, agency: str, place: str, body: str) -> str:
    header = f"Title: {headline}\nDate: {date.isoformat()}\nAgency: {agency}\nPlace: {place}\n"
    return header + f"Url: https://news.example.com/{date.isoformat()}\n\n{body}\n"


def write_corpus(root: Path) -> Path:
    """The test corpus: the seed story, 30 varied stories, related and hostile ones."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED_STORY, root / SEED_STORY.name)
    for i in range(GENERATED):
        headline, body = TOPICS[i % len(TOPICS)]
        place = PLACES[i % len(PLACES)]
        date = FIRST_DATE + dt.timedelta(days=23 * i)
        text = story_file(
            headline.format(place=place), date, AGENCIES[i % len(AGENCIES)], place, body.format(place=place)
        )
        (root / f"story-{i:02d}.txt").write_text(text, encoding="utf-8")
    for story_id, text in {**RELATED_STORIES, **HOSTILE_STORIES}.items():
        (root / f"{story_id}.txt").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def index_dir(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real index of the test corpus, built once; tests must not change it."""
    index = tmp_path_factory.mktemp("index")
    reindex(corpus_dir, index)
    return index


@pytest.fixture
def make_index(tmp_path: Path) -> Callable[[], tuple[Path, Path]]:
    """Build a private (corpus, index) pair a test may change."""

    def make() -> tuple[Path, Path]:
        corpus = write_corpus(tmp_path / "corpus")
        index = tmp_path / "index"
        reindex(corpus, index)
        return corpus, index

    return make


@pytest.fixture
def app(index_dir: Path):
    app = create_app({"TESTING": True, "INDEX": str(index_dir)})
    yield app
    close_backend(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- research views (timeline, export, feeds, facets): the test corpus plus stories that
# test them: undated ones, one place written three ways, headlines a spreadsheet would run.
RESEARCH_STORIES = {
    "undated-ferry": "Title: Ferry services resume after storm\n\nFerries ran again, the government said.\n",
    "undated-bridge": "Title: Old bridge to close for repairs\n\nThe government will close the old bridge.\n",
    "delhi-caps-1": (
        "Title: Metro line opens in the capital\nDate: 2024-04-02\nAgency: PTI\nPlace: NEW DELHI\n\n"
        "A new metro line opened, the government said.\n"
    ),
    "delhi-caps-2": (
        "Title: Air quality improves after rain\nDate: 2024-04-03\nAgency: PTI\nPlace: NEW DELHI\n\n"
        "Air quality improved after rain, the government said.\n"
    ),
    "delhi-dotted": (
        "Title: Book fair draws crowds\nDate: 2024-04-04\nAgency: IANS\nPlace: New-Delhi.\n\n"
        "The book fair drew large crowds; the government welcomed it.\n"
    ),
    "formula-hyperlink": (
        'Title: =HYPERLINK("http://evil.example/","click") exports rise\nDate: 2024-04-05\nAgency: AP\n'
        "Place: Geneva\n\n@SUM(A1:A9) a government statement began; exports rose.\n"
    ),
    "formula-minus": (
        "Title: -5% fall in government bond sales\nDate: 2024-04-06\nAgency: AFP\nPlace: Lima\n\n"
        "+91 22 5555 was the number the government gave; bond sales fell.\n"
    ),
    "nairobi-rains": (
        "Title: Long rains arrive early\nDate: 2024-04-07\nAgency: Reuters\nPlace: Nairobi\n\n"
        "The long rains arrived early, the government's weather service said.\n"
    ),
}


def write_research_corpus(root: Path) -> Path:
    write_corpus(root)
    for story_id, text in RESEARCH_STORIES.items():
        (root / f"{story_id}.txt").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def research_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the research corpus, built once; tests must not change it."""
    corpus = write_research_corpus(tmp_path_factory.mktemp("research-corpus"))
    index = tmp_path_factory.mktemp("research-index")
    reindex(corpus, index)
    return index


@pytest.fixture
def research_app(research_index: Path):
    app = create_app({"TESTING": True, "INDEX": str(research_index)})
    yield app
    close_backend(app)


@pytest.fixture
def research_client(research_app):
    return research_app.test_client()


# --- the Sphinx backend: two shard searchd and a distributed one (tests/sphinxd.py) -----------
# CI starts them and exports WIRE_SPHINX_*; without them a session starts its own when
# searchd is installed. WIRE_REQUIRE_SPHINX=1 turns a skip into a failure.


@pytest.fixture(scope="session")
def sphinx_servers(tmp_path_factory: pytest.TempPathFactory):
    """(distributed endpoint, shard endpoints) of running Sphinx servers."""
    from tests import sphinxd

    search, shards = os.environ.get("WIRE_SPHINX_SEARCH"), os.environ.get("WIRE_SPHINX_SHARDS")
    if search and shards:
        yield search, shards
        return
    if not sphinxd.has_searchd():
        if os.environ.get("WIRE_REQUIRE_SPHINX") == "1":
            pytest.fail("WIRE_REQUIRE_SPHINX=1 but no Sphinx servers: set WIRE_SPHINX_* or install searchd")
        pytest.skip("no searchd (apt-get install sphinxsearch) and no WIRE_SPHINX_* servers")
    root = tmp_path_factory.mktemp("sphinxd")
    servers = sphinxd.start_servers(root)
    try:
        yield servers.search, ",".join(servers.shards)
    finally:
        sphinxd.stop_servers(root)


@pytest.fixture(scope="session")
def sphinx_config(sphinx_servers):
    from indexer.backends import BackendConfig

    search, shards = sphinx_servers
    return BackendConfig("sphinx", search, shards).check()


def sphinx_holds() -> dict[str, Path]:
    """What each set of Sphinx servers holds (distributed endpoint -> corpus): they hold one
    live index, so a module that built another corpus on them leaves it there. Kept in
    tests.sphinxd, one module however this file is imported (pytest's conftest and
    `from tests.conftest import` are two)."""
    from tests import sphinxd

    return sphinxd.HOLDS


def build_on(config, corpus: Path, index: Path) -> Path:
    """Index `corpus` on the configured backend, as `wire reindex` does (ingest under the lock)."""
    with backend_env(config):
        reindex(corpus, index)
    if config.backend == "sphinx":
        sphinx_holds()[config.sphinx_search] = corpus
    return index


def ensure_built(config, corpus: Path, index: Path) -> Path:
    """`build_on`, unless these servers hold `corpus` already."""
    if config.backend != "sphinx" or sphinx_holds().get(config.sphinx_search) != corpus:
        build_on(config, corpus, index)
    return index


@contextmanager
def backend_env(config):
    """The WIRE_BACKEND/WIRE_SPHINX_* environment of `config` while the block runs."""
    keys = {"WIRE_BACKEND": config.backend, "WIRE_SPHINX_SEARCH": config.sphinx_search}
    keys["WIRE_SPHINX_SHARDS"] = config.sphinx_shards
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update(keys)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def sphinx_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sphinx-index")


@pytest.fixture(scope="module")
def sphinx_index(sphinx_config, corpus_dir: Path, sphinx_index_dir: Path) -> Path:
    """The test corpus on the Sphinx servers (the folder keeps the lock and cluster state),
    built again when another module left another corpus on them."""
    return ensure_built(sphinx_config, corpus_dir, sphinx_index_dir)


@pytest.fixture(params=["whoosh", "sphinx"])
def any_app(request):
    """The web app over the test corpus, on each backend."""
    if request.param == "whoosh":
        settings = {"INDEX": str(request.getfixturevalue("index_dir"))}
    else:
        config = request.getfixturevalue("sphinx_config")
        index = ensure_built(
            config, request.getfixturevalue("corpus_dir"), request.getfixturevalue("sphinx_index")
        )
        settings = {"INDEX": str(index), "BACKEND": "sphinx"}
        settings.update(SPHINX_SEARCH=config.sphinx_search, SPHINX_SHARDS=config.sphinx_shards)
    app = create_app({"TESTING": True, **settings})
    yield app
    close_backend(app)

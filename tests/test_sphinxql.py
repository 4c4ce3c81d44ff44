"""The query reading for Sphinx: a user's query in, extended syntax, date ranges and notices out."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from indexer.cli import cli
from indexer.sphinxql import DATE_NOTICE, NOT_ONLY_NOTICE, SYNTAX_NOTICE, read_query
from tests.test_browser import free_port
from webui import create_app
from webui.backend import close_backend

TB = "@(title,body)"
DAY = dt.date.toordinal


@pytest.mark.parametrize(
    ("qstring", "match"),
    [
        ("oil", f"({TB} oil)"),
        ("oil prices", f"(({TB} oil) | ({TB} prices))"),  # any word; all words rank first
        ("oil AND prices", f"(({TB} oil) ({TB} prices))"),  # AND as written: every word
        ("OIL AND GAS", f"(({TB} OIL) | ({TB} GAS))"),  # a headline: AND is a (stop) word
        ('"crude oil" prices', f'(({TB} "crude oil") | ({TB} prices))'),
        ("title:gold agency:pti", "((@title gold) (@agency pti))"),  # one word and a filter
        ("oil NOT gold", f"(({TB} oil) -(({TB} gold)))"),
        ("oil OR gas", f"(({TB} oil) | ({TB} gas))"),
        ("cost-effective", f"({TB} (cost-effective | (cost effective)))"),  # whole or by parts
        ("heat*", f"({TB} heat*)"),
        ("what is inflation", f"({TB} inflation)"),  # function words drop out ("is" by the index)
        ("x ANDMAYBE y", f"(({TB} x) MAYBE ({TB} y))"),
        ("title:(oil gas)", "((@title oil) | (@title gas))"),
    ],
)
def test_match_text(qstring, match):
    q = read_query(qstring)
    assert q.match == match and q.notice is None


@pytest.mark.parametrize(
    ("qstring", "days"),
    [
        ("date:2024-02 oil", ((DAY(dt.date(2024, 2, 1)), DAY(dt.date(2024, 2, 29))),)),
        ("date:[2020 TO 2021] oil", ((DAY(dt.date(2020, 1, 1)), DAY(dt.date(2021, 12, 31))),)),
        ("date:2024-02-19 oil", ((DAY(dt.date(2024, 2, 19)),) * 2,)),
        ("date:>2024 oil", ((DAY(dt.date(2025, 1, 1)), dt.date.max.toordinal()),)),
        ("year:2023 oil", ((DAY(dt.date(2023, 1, 1)), DAY(dt.date(2023, 12, 31))),)),
    ],
)
def test_dates_become_day_ranges(qstring, days):
    q = read_query(qstring)
    assert q.days == days and q.match == f"({TB} oil)"


@pytest.mark.parametrize(
    ("qstring", "notice"),
    [
        ("(((", SYNTAX_NOTICE),
        ("oil )", SYNTAX_NOTICE),
        ("date:[abc TO x] oil", DATE_NOTICE),
        ("date:2024-13 oil", DATE_NOTICE),
        ("NOT oil", NOT_ONLY_NOTICE),
        ("foo:bar", "Unknown field in the query: searched for the words instead."),
        ("a* oil", "Wildcards need at least 2 letters before * or ?: searched without them."),
    ],
)
def test_strange_queries_get_a_notice(qstring, notice):
    assert read_query(qstring).notice == notice


def test_loose_reading_only_when_it_differs():
    assert read_query('"crude oil" prices').loose == f"(({TB} crude) | ({TB} oil) | ({TB} prices))"
    assert read_query("oil prices").loose is None


def test_unreachable_servers_are_a_clear_error(tmp_path):
    dead = f"127.0.0.1:{free_port()}"
    options = ["--backend", "sphinx", "--sphinx-search", dead, "--sphinx-shards", dead]
    out = CliRunner().invoke(cli, [*options, "search", "--index", str(tmp_path), "oil"])
    assert out.exit_code == 1 and f"no Sphinx server answers at {dead}" in out.output
    assert "Traceback" not in out.output
    app = create_app({"TESTING": True, "INDEX": str(tmp_path), "BACKEND": "sphinx"} | {"SPHINX_SEARCH": dead})
    app.config["SPHINX_SHARDS"] = dead
    response = app.test_client().get("/search?q=oil")
    assert response.status_code == 503 and b"Search is unavailable" in response.data
    close_backend(app)


def test_unknown_backend_is_a_clear_error(tmp_path):
    out = CliRunner().invoke(cli, ["--backend", "opensearch", "search", "oil"])
    assert out.exit_code == 2 and "opensearch" in out.output
    out = CliRunner().invoke(cli, ["--backend", "sphinx", "--sphinx-shards", "nohost", "search", "oil"])
    assert out.exit_code == 1 and "not a host:port endpoint: 'nohost'" in out.output

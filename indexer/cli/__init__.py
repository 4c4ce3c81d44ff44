"""The `wire` command: a thin layer over the library. Each command parses its
options, calls one library function and prints.

The commands live by what they do: writing.py (reindex, import, add, check),
reading.py (search, export, explain), serving.py (serve); options.py holds what
they share.
"""

from __future__ import annotations

import os

import click

from ..backends import (
    BACKENDS,
    DEFAULT_BACKEND,
    DEFAULT_SPHINX_SEARCH,
    ENV_BACKEND,
    ENV_SEARCH,
    ENV_SHARDS,
    BackendConfig,
)
from ..search import SearchError
from . import reading, serving, writing


def restore_env(saved: dict[str, str | None]) -> None:
    """Put the environment variables back as `saved` has them (None: unset)."""
    for env, value in saved.items():
        if value is None:
            os.environ.pop(env, None)
        else:
            os.environ[env] = value


@click.group()
@click.version_option(package_name="wire-search")
@click.option(
    "--backend",
    type=click.Choice(BACKENDS),
    envvar=ENV_BACKEND,
    default=DEFAULT_BACKEND,
    show_default=True,
    help=f"Search engine: the embedded Whoosh index or Sphinx/Manticore servers (env {ENV_BACKEND}).",
)
@click.option(
    "--sphinx-search",
    envvar=ENV_SEARCH,
    default=DEFAULT_SPHINX_SEARCH,
    show_default=True,
    help=f"The distributed searchd's SphinxQL host:port (env {ENV_SEARCH}).",
)
@click.option(
    "--sphinx-shards",
    envvar=ENV_SHARDS,
    default="",
    help=f"The shard searchd's SphinxQL endpoints, host:port,host:port (env {ENV_SHARDS}).",
)
@click.pass_context
def cli(ctx: click.Context, backend: str, sphinx_search: str, sphinx_shards: str) -> None:
    """Search scraped news wire stories (PTI, Reuters, AP, AFP, IANS, ANI, UNI)."""
    # the environment is the configuration every layer reads (ingest, serve's workers):
    # options given on the command line go into it
    given = {ENV_BACKEND: ("backend", backend), ENV_SEARCH: ("sphinx_search", sphinx_search)}
    given[ENV_SHARDS] = ("sphinx_shards", sphinx_shards)
    saved = {env: os.environ.get(env) for env in given}
    for env, (name, value) in given.items():
        if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE:
            os.environ[env] = value
    # as it was once the command ends (the CLI also runs in-process: tests, scripts)
    ctx.call_on_close(lambda: restore_env(saved))
    try:
        BackendConfig.from_env().check()
    except SearchError as e:
        raise click.ClickException(str(e)) from None


for command in (*writing.COMMANDS, *reading.COMMANDS, *serving.COMMANDS):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="wire")

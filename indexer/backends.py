"""Which engine answers: the one place that maps configuration to a search backend and a writer.

Configuration is the environment (WIRE_BACKEND=whoosh|sphinx, WIRE_SPHINX_SEARCH,
WIRE_SPHINX_SHARDS), which the `wire` group's options set, so the CLI, ingest, the
web UI and its server workers all agree. Whoosh is the default.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .builds import BuildReport
from .search import SearchBackend, SearchError
from .story import Story

BACKENDS = ("whoosh", "sphinx")
DEFAULT_BACKEND = BACKENDS[0]
ENV_BACKEND = "WIRE_BACKEND"
ENV_SEARCH = "WIRE_SPHINX_SEARCH"
ENV_SHARDS = "WIRE_SPHINX_SHARDS"
DEFAULT_SPHINX_SEARCH = "127.0.0.1:9306"


class StoryWriter(Protocol):
    """The writing side of a backend, used by ingest under the index lock."""

    def build(
        self,
        stories: Iterable[Story | tuple[str, str]],
        *,
        on_progress: Callable[[int], None] | None = None,
        expected: int | None = None,
    ) -> BuildReport: ...

    def add(self, stories: Iterable[Story]) -> int: ...

    def delete(self, story_ids: Iterable[str]) -> int: ...

    def indexed_ids(self, ids: Iterable[str]) -> set[str]: ...

    def indexed_counts(self) -> dict[str, int]:
        """Every story id the live index holds, with how many times (`wire check`)."""
        ...

    def stray_files(self) -> list[str]:
        """What interrupted or failed writes left beside the live index (names)."""
        ...

    def remove_stray_files(self) -> list[str]:
        """Delete `stray_files`, with the lock held; their names."""
        ...

    def is_built(self) -> bool: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class BackendConfig:
    """The engine and, for Sphinx, where its servers are."""

    backend: str = DEFAULT_BACKEND
    sphinx_search: str = DEFAULT_SPHINX_SEARCH
    sphinx_shards: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> BackendConfig:
        env = os.environ if env is None else env
        return cls(
            (env.get(ENV_BACKEND) or DEFAULT_BACKEND).strip().lower(),
            env.get(ENV_SEARCH) or DEFAULT_SPHINX_SEARCH,
            env.get(ENV_SHARDS) or "",
        )

    def check(self) -> BackendConfig:
        """Raise SearchError when the backend is unknown or its endpoints malformed."""
        if self.backend not in BACKENDS:
            raise SearchError(f"unknown backend {self.backend!r}: choose one of {', '.join(BACKENDS)}")
        if self.backend == "sphinx":
            self._sphinx()
        return self

    def _sphinx(self) -> Any:
        from .sphinxdb import SphinxConfig

        return SphinxConfig.parse(self.sphinx_search, self.sphinx_shards)


class WhooshWriter:
    """The Whoosh index folder as a StoryWriter (indexer.index does the work)."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir

    def build(
        self,
        stories: Iterable[Story | tuple[str, str]],
        *,
        on_progress: Callable[[int], None] | None = None,
        expected: int | None = None,
    ) -> BuildReport:
        from .index import build_index

        return build_index(
            self.index_dir, stories, on_progress=on_progress, take_lock=False, expected=expected
        )

    def add(self, stories: Iterable[Story]) -> int:
        from .index import add_to_index

        return add_to_index(self.index_dir, stories)

    def delete(self, story_ids: Iterable[str]) -> int:
        from .index import delete_from_index

        return delete_from_index(self.index_dir, story_ids)

    def indexed_ids(self, ids: Iterable[str]) -> set[str]:
        from .index import indexed_ids

        return indexed_ids(self.index_dir, ids)

    def indexed_counts(self) -> dict[str, int]:
        from .index import indexed_documents  # reads every segment

        return {story_id: len(paths) for story_id, paths in indexed_documents(self.index_dir).items()}

    def stray_files(self) -> list[str]:
        """Stale generations, and what failed writes left inside the live one."""
        from .index import current_generation, leftover_files, stale_generations

        names = [f"{p.name}/" for p in stale_generations(self.index_dir)]
        live = current_generation(self.index_dir)
        return names + [f"{live.name}/{name}" for name in leftover_files(live)] if live else names

    def remove_stray_files(self) -> list[str]:
        from .index import current_generation, remove_leftovers, stale_generations

        live = current_generation(self.index_dir)
        removed = remove_leftovers(live) if live is not None else []
        for gen in stale_generations(self.index_dir):
            shutil.rmtree(gen, ignore_errors=True)
            removed.append(gen.name)
        return removed

    def is_built(self) -> bool:
        from .index import current_generation

        return current_generation(self.index_dir) is not None

    def close(self) -> None:
        pass


def open_search(index_dir: Path | str, config: BackendConfig | None = None) -> SearchBackend:
    """The configured search backend (IndexMissingError while there is no index)."""
    config = (config or BackendConfig.from_env()).check()
    if config.backend == "sphinx":
        from .sphinx import SphinxSearch

        return SphinxSearch(config._sphinx(), index_dir)
    from .searching import WhooshSearch

    return WhooshSearch(index_dir)


def open_writer(index_dir: Path | str, config: BackendConfig | None = None) -> StoryWriter:
    """The configured writer; the index folder keeps the lock and local state either way."""
    config = (config or BackendConfig.from_env()).check()
    if config.backend == "sphinx":
        from .sphinxwrite import SphinxWriter

        return SphinxWriter(config._sphinx(), index_dir)
    return WhooshWriter(Path(index_dir))


def search_factory(settings: Mapping[str, Any]) -> Callable[[str], SearchBackend]:
    """For the web UI: a factory of the backend its BACKEND / SPHINX_* settings name."""
    config = BackendConfig(
        str(settings.get("BACKEND") or DEFAULT_BACKEND).lower(),
        str(settings.get("SPHINX_SEARCH") or DEFAULT_SPHINX_SEARCH),
        str(settings.get("SPHINX_SHARDS") or ""),
    ).check()
    return lambda index_dir: open_search(index_dir, config)

"""What clustering costs at scale: the bulk pass of a reindex and placing one new story.

    .venv/bin/python -m bench.dedupcost [--stories 200000]

On the speed benchmark's corpus (Reuters-21578 recombined to N stories, bench/speed.py):
the time and peak memory of `clusterstore.label_stream` (fingerprint, spool, cluster,
save the state) alone, to set beside a full reindex's time from `make bench-speed`;
then, on the saved state, one `wire add`'s clustering work: load the state, place a
copy of a story (candidates, exact check), save the state.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from bench.common import load_reuters_stories, reuters_dir
from bench.speed import scaled_corpus
from indexer import clusterstore


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stories", type=int, default=200_000)
    args = parser.parse_args(argv)
    if not reuters_dir().is_dir():
        print(f"skipped: no Reuters-21578 at {reuters_dir()}")
        return 0
    base = load_reuters_stories()
    stories = list(scaled_corpus(base, args.stories))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        clusters: dict[str, int] = {}
        for item in clusterstore.label_stream(iter(stories), folder):
            if not isinstance(item, tuple):
                clusters[item.cluster] = clusters.get(item.cluster, 0) + 1
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        clusterstore.tag_state(folder, 1)
        multi = sum(1 for n in clusters.values() if n > 1)
        print(
            f"{len(stories):,} stories: bulk clustering {seconds:.1f} s "
            f"({1e6 * seconds / len(stories):.0f} us a story), peak RSS {peak:.0f} MB with the corpus "
            f"in memory ({peak - before:.0f} MB above it); "
            f"{multi:,} clusters of 2 or more"
        )
        story = stories[len(stories) // 2]
        copy = story.replace(id="bench-copy", body=story.body + "\n\nAlso read: more news")
        bodies = {s.id: s.body for s in stories}
        started = time.perf_counter()
        state = clusterstore.load_state(folder, 1)
        loaded = time.perf_counter() - started
        assert state is not None
        labelled, changed = clusterstore.place_stories(state, [copy], bodies.get)
        placed = time.perf_counter() - started - loaded
        clusterstore.save_state(folder, state, 2)
        total = time.perf_counter() - started
        print(
            f"one add: load state {1000 * loaded:.0f} ms, place {1000 * placed:.0f} ms, save "
            f"{1000 * (total - loaded - placed):.0f} ms, total {1000 * total:.0f} ms "
            f"(joined {labelled[0].cluster}, {len(changed)} stored stories relabelled)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

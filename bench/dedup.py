"""Syndicated-copy detection measured on a labelled set built from real wire text.

    .venv/bin/python -m bench.dedup [--originals 400] [--seed 7] [--sweep]

The set (all from Reuters-21578, cleaned as the product cleans stories):
  real copies   Reuters' own repeats and corrections: the same headline (less a
                "Corrected -"/"Repeat" prefix) within the time window, each at least
                MIN_COMMON shingles long.
  outlet copies real stories republished the way news sites do it: headline rewritten,
                tail paragraphs cut, a paragraph of the outlet's own inserted, the
                dateline kept or dropped, site boilerplate and a credit line added,
                curly quotes and dashes, a few words edited (OUTLETS, EDITS below).
  same-event    stories with one Reuters topic label on the same or the next day,
                neither a repeat of the other (independent reports: shared names,
                numbers, formula phrases), and staff stories quoting a paragraph of
                a wire story on the topic.
Every Reuters story is clustered together with the copies (the product's own bulk
path, `indexer.clusters`), so background stories can pull pairs together wrongly.
Reported: copy pairs in one cluster (recall), labelled pairs put together that are
copies (precision), same-event pairs kept apart, cluster purity; with --sweep, the
same for other containment thresholds. Exits nonzero below the targets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass

from bench.common import load_reuters_stories, reuters_dir, story_topics
from indexer import syndication
from indexer.clusters import ClusterState, candidate_pairs, member_of
from indexer.story import BadStoryError, Story
from indexer.syndication import UnionFind, fingerprint, overlap
from indexer.wire import story_from_text

TARGET_RECALL = 0.90
TARGET_APART = 0.98
SWEEP = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
TITLE_PREFIX_RE = re.compile(r"^(?:corrected|correction|repeat(?:ed)?|refile[d]?|update \d+)\s*[-:]\s*", re.I)

# How sites wrap a wire story: chrome lines above and below, and their credit line.
OUTLETS = [
    (
        "The Daily Courier",
        ["Home > Business > Markets", "Share on Facebook Share on Twitter"],
        [
            "Also read: Shares close higher as banks gain",
            "Subscribe to our newsletter for the day's top stories.",
        ],
        "(With inputs from Reuters)",
    ),
    ("Metro Ledger", ["Advertisement"], ["Copyright 1987 Metro Ledger. All rights reserved."], "-- Reuters"),
    (
        "Gulf Times Online",
        [],
        ["Follow us on Twitter and Facebook for the latest news.", "RELATED STORIES"],
        "Reuters",
    ),
    (
        "Business Standard Wire",
        ["Last Updated at 10:42 IST"],
        [
            "Disclaimer: this story is auto-generated "
            "from a syndicated feed and has not been edited by our staff."
        ],
        "(Reuters)",
    ),
    ("The Evening Post", ["By Post Staff and Agencies"], ["Read more: Markets wrap", "Comments (0)"], ""),
    (
        "Newsline",
        ["Trending:", "Click here to download our app"],
        ["Tags: economy, markets"],
        "Source: Reuters",
    ),
]
# Editors' small word changes, applied to one paragraph at random.
EDITS = [
    (r"\bpct\b", "per cent"),
    (r"\bmln\b", "million"),
    (r"\bdlrs\b", "dollars"),
    (r"\bsaid\b", "stated"),
    (r"\bU\.S\.", "US"),
    (r"\bbln\b", "billion"),
]
# The outlet's own paragraph, written for the story (its title and place filled in).
LOCAL_PARAGRAPHS = [
    "Analysts in {place} said the news that {title} would be watched closely by local exporters.",
    "The state government had earlier announced its own review after {title}, officials said.",
    "Traders in {place} said {title} had little immediate effect on prices in the local market.",
]


def curly(text: str) -> str:
    """Typography a CMS applies: curly quotes, em dashes."""
    text = re.sub(r'"(?=\w)', "\u201c", text)
    text = text.replace('"', "\u201d").replace("'", "\u2019")
    return text.replace(" - ", " \u2014 ").replace("--", "\u2013")


def outlet_copy(original: Story, outlet: tuple, n: int, rng: random.Random, dateline: str) -> Story:
    """One outlet's page text of a wire story, then cleaned as the product cleans it."""
    name, top, bottom, credit = outlet
    paras = original.body.split("\n\n")
    keep = rng.randint(max(2, int(len(paras) * 0.4)), len(paras)) if len(paras) > 2 else len(paras)
    paras = paras[:keep]
    if rng.random() < 0.5 and len(paras) > 1:
        local = rng.choice(LOCAL_PARAGRAPHS).format(
            title=original.title.lower(), place=original.place or "town"
        )
        paras.insert(rng.randint(1, len(paras)), local)
    if rng.random() < 0.5:
        i = rng.randrange(len(paras))
        pattern, repl = rng.choice(EDITS)
        paras[i] = re.sub(pattern, repl, paras[i])
    if rng.random() < 0.5:
        paras[0] = dateline + paras[0]
    if credit:
        paras.append(credit)
    text = "\n\n".join([*top, *paras, *bottom])
    if rng.random() < 0.6:
        text = curly(text)
    title = rng.choice([original.title, f"{original.title}: report", original.title.split(",")[0][:60]])
    when = original.date + dt.timedelta(days=rng.randint(0, 2)) if original.date else None
    return story_from_text(text, id=f"{original.id}-copy{n}", title=title, date=when, source=name)


def staff_story(wire: Story, other: Story) -> Story:
    """An independent story that quotes a paragraph of a wire story (same names, numbers)."""
    paras = other.body.split("\n\n")
    quoted = max(wire.body.split("\n\n"), key=len)
    paras.insert(1, quoted)
    return other.replace(id=f"{other.id}-quotes-{wire.id}", body="\n\n".join(paras), source="Staff")


def is_long(story: Story) -> bool:
    return len(fingerprint(story.body).shingles) >= syndication.MIN_COMMON


@dataclass
class LabelledSet:
    stories: list[Story]
    truth: dict[str, int]  # story id -> truth cluster number (labelled copies only)
    negatives: list[tuple[str, str]]  # same-event pairs that are not copies
    kinds: dict[int, str]  # truth cluster -> "real" or "outlet"


def real_repeats(stories: list[Story]) -> list[list[Story]]:
    """Reuters' own repeats and corrections: one headline of four words or more, on the
    same or the next day, where the headline is not a daily column (seen on > 3 days)."""
    by_title: dict[str, list[Story]] = defaultdict(list)
    for s in stories:
        if s.date and is_long(s):
            by_title[TITLE_PREFIX_RE.sub("", s.title).lower().strip()].append(s)
    groups = []
    for title, group in by_title.items():
        days = {s.date for s in group}
        if len(title.split()) < 4 or len(days) > 3:
            continue
        group.sort(key=lambda s: s.date or dt.date.min)
        if len(group) > 1 and (group[-1].date - group[0].date).days <= 1:  # type: ignore[operator]
            groups.append(group)
    return groups


def build_set(base: list[Story], originals: int, seed: int) -> LabelledSet:
    rng = random.Random(seed)
    topics = story_topics()
    truth: dict[str, int] = {}
    kinds: dict[int, str] = {}
    for n, group in enumerate(real_repeats(base)):
        for s in group:
            truth[s.id] = n
        kinds[n] = "real"
    eligible = [s for s in base if s.id not in truth and len(s.body.split("\n\n")) >= 3 and is_long(s)]
    copies: list[Story] = []
    for n, original in enumerate(rng.sample(eligible, originals), start=len(kinds)):
        truth[original.id] = n
        kinds[n] = "outlet"
        place = (original.place or "LONDON").upper()
        dateline = f"{place}, {original.date:%B} {original.date.day} (Reuters) - " if original.date else ""
        for k, outlet in enumerate(rng.sample(OUTLETS, rng.randint(2, 5))):
            try:
                copy = outlet_copy(original, outlet, k, rng, dateline)
            except BadStoryError:  # the page cleaner leaves no text of this copy: not a story
                continue
            truth[copy.id] = n
            copies.append(copy)
    negatives, staff, replaced = same_event_pairs(base, topics, truth, rng)
    kept = [s for s in base if s.id not in replaced] + copies + staff
    present = {s.id for s in kept}
    negatives = [(a, b) for a, b in negatives if a in present and b in present]
    return LabelledSet(kept, truth, negatives, kinds)


def same_event_pairs(
    base: list[Story], topics: dict[str, str], truth: dict[str, int], rng: random.Random, limit: int = 4000
) -> tuple[list[tuple[str, str]], list[Story], set[str]]:
    """Independent stories on one topic, one or two days: pairs that must stay apart.

    Of a tenth of them, the second story becomes a staff story quoting the longest
    paragraph of the first (replacing it in the set), where the quote is at most a
    quarter of it."""
    by_topic_day: dict[tuple[str, dt.date], list[Story]] = defaultdict(list)
    for s in base:
        if s.date and s.id in topics and is_long(s):
            by_topic_day[(topics[s.id], s.date)].append(s)
    pairs = []
    for (topic, day), group in by_topic_day.items():
        later = by_topic_day.get((topic, day + dt.timedelta(days=1)), [])
        for a, b in itertools.chain(itertools.combinations(group, 2), itertools.product(group, later)):
            if a.id not in truth and b.id not in truth:
                pairs.append((a, b))
    rng.shuffle(pairs)
    pairs = pairs[:limit]
    staff, replaced, negatives = [], set(), []
    for a, b in pairs[: limit // 10]:
        quote = max(a.body.split("\n\n"), key=len)
        # a staff story quotes a paragraph; it is not mostly the quote
        realistic = len(a.body.split("\n\n")) >= 4 and len(b.body.split()) >= 3 * len(quote.split())
        if realistic and b.id not in replaced and a.id not in replaced:
            staff.append(staff_story(a, b))
            replaced.add(b.id)
            negatives.append((a.id, staff[-1].id))
    negatives += [(a.id, b.id) for a, b in pairs if a.id not in replaced and b.id not in replaced]
    return negatives, staff, replaced


# --- scoring ----------------------------------------------------------------------------


def cluster_with(
    state: ClusterState, scored: list[tuple[int, int, syndication.Overlap]], min_containment: float
):
    uf = UnionFind(len(state))
    for i, j, o in scored:
        if o.common >= syndication.MIN_COMMON and o.containment >= min_containment:
            uf.union(i, j)
    return [uf.find(i) for i in range(len(state))]


def score(data: LabelledSet, ids: list[str], roots: list[int]) -> dict[str, float]:
    cluster = dict(zip(ids, roots, strict=True))
    members: dict[int, list[str]] = defaultdict(list)
    for sid, t in data.truth.items():
        members[t].append(sid)
    true_pairs = [(a, b) for group in members.values() for a, b in itertools.combinations(group, 2)]
    together = sum(cluster[a] == cluster[b] for a, b in true_pairs)
    by_kind = defaultdict(lambda: [0, 0])
    for group_no, group in members.items():
        for a, b in itertools.combinations(group, 2):
            by_kind[data.kinds[group_no]][0] += cluster[a] == cluster[b]
            by_kind[data.kinds[group_no]][1] += 1
    # predicted pairs among labelled stories
    predicted: dict[int, list[str]] = defaultdict(list)
    for sid in data.truth:
        predicted[cluster[sid]].append(sid)
    pred_pairs = [(a, b) for g in predicted.values() for a, b in itertools.combinations(g, 2)]
    correct = sum(data.truth[a] == data.truth[b] for a, b in pred_pairs)
    apart = sum(cluster[a] != cluster[b] for a, b in data.negatives)
    purity_num = sum(
        max(list(map(data.truth.get, g)).count(t) for t in set(map(data.truth.get, g)))
        for g in predicted.values()
    )
    return {
        "copy pairs together": together / len(true_pairs),
        "  outlet copies": by_kind["outlet"][0] / max(1, by_kind["outlet"][1]),
        "  Reuters repeats": by_kind["real"][0] / max(1, by_kind["real"][1]),
        "pair precision": correct / max(1, len(pred_pairs)),
        "same-event pairs apart": apart / len(data.negatives),
        "cluster purity": purity_num / len(data.truth),
        "copy pairs": len(true_pairs),
        "same-event pairs": len(data.negatives),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--originals", type=int, default=400, help="wire stories given outlet copies")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sweep", action="store_true", help="also score other containment thresholds")
    parser.add_argument("--show", type=int, default=0, help="print this many wrongly joined same-event pairs")
    args = parser.parse_args(argv)
    if not reuters_dir().is_dir():
        print(f"skipped: no Reuters-21578 at {reuters_dir()}")
        return 0
    base = load_reuters_stories()
    data = build_set(base, args.originals, args.seed)
    started = time.perf_counter()
    state = ClusterState()
    shingles = []
    for story in data.stories:
        fp = fingerprint(story.body)
        shingles.append(fp.shingles)
        state.append(member_of(story), fp.keys)
    fingerprinted = time.perf_counter() - started
    pairs = list(candidate_pairs(state.used_keys(), state.days))
    scored = [(i, j, overlap(shingles[i], shingles[j])) for i, j in pairs]
    seconds = time.perf_counter() - started
    print(
        f"{len(data.stories):,} stories ({len(data.truth):,} labelled copies), {len(pairs):,} LSH candidate "
        f"pairs; fingerprints {fingerprinted:.1f} s, all {seconds:.1f} s "
        f"({1e6 * seconds / len(data.stories):.0f} us a story)"
    )
    print(
        f"rule: containment >= {syndication.MIN_CONTAINMENT}, >= {syndication.MIN_COMMON} shared "
        f"{syndication.SHINGLE_WORDS}-word shingles, dates <= {syndication.WINDOW_DAYS} days apart; "
        f"LSH {syndication.BANDS} bands x {syndication.ROWS} rows"
    )
    ids = state.ids
    thresholds = SWEEP if args.sweep else (syndication.MIN_CONTAINMENT,)
    results = {}
    for t in thresholds:
        results[t] = score(data, ids, cluster_with(state, scored, t))
    names = list(results[thresholds[0]])
    print("\n| measure | " + " | ".join(f"C>={t}" for t in thresholds) + " |")
    print("|---|" + "---|" * len(thresholds))
    for name in names:
        cells = [
            f"{results[t][name]:.3f}" if results[t][name] <= 1 else f"{results[t][name]:,.0f}"
            for t in thresholds
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
    if args.show:
        roots = cluster_with(state, scored, syndication.MIN_CONTAINMENT)
        at = {sid: r for sid, r in zip(ids, roots, strict=True)}
        row = {sid: i for i, sid in enumerate(ids)}
        wrong = [(a, b) for a, b in data.negatives if at[a] == at[b]]
        for a, b in wrong[: args.show]:
            o = overlap(shingles[row[a]], shingles[row[b]])
            sa, sb = data.stories[row[a]], data.stories[row[b]]
            print(
                f"\n--- joined C={o.containment:.2f} J={o.jaccard:.2f}: "
                f"{sa.date} {sa.title!r} / {sb.date} {sb.title!r}"
            )
            print("  ", sa.body[:240].replace("\n", " "))
            print("  ", sb.body[:240].replace("\n", " "))
    final = results[syndication.MIN_CONTAINMENT] if syndication.MIN_CONTAINMENT in results else None
    if final and (
        final["copy pairs together"] < TARGET_RECALL or final["same-event pairs apart"] < TARGET_APART
    ):
        print(f"\nbelow target (copies together >= {TARGET_RECALL}, same-event apart >= {TARGET_APART})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

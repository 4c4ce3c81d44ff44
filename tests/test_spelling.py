"""Close words for "Did you mean": the length and letter filter rules out no close word."""

from __future__ import annotations

import random

import pytest
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from indexer.spelling import Vocabulary, close_words, letter_counts

LETTERS = "abcdefghijklmnopqrstuvwxyzéüß"


def plain_close_words(typed: str, words: list[str], limit: int, maxdist: int = 2) -> list[str]:
    """Every word compared, as close_words did before its filter."""
    found = process.extract(
        typed, words, scorer=DamerauLevenshtein.distance, score_cutoff=maxdist, limit=limit
    )
    return [word for word, _, _ in sorted(found, key=lambda f: (f[1], f[2]))]


def misspell(rng: random.Random, word: str) -> str:
    """One or two random edits: a letter dropped, added, changed or two swapped."""
    for _ in range(rng.choice((1, 2))):
        i = rng.randrange(len(word))
        edit = rng.choice("dasx")
        if edit == "d" and len(word) > 1:
            word = word[:i] + word[i + 1 :]
        elif edit == "a":
            word = word[:i] + rng.choice(LETTERS) + word[i:]
        elif edit == "s":
            word = word[:i] + rng.choice(LETTERS) + word[i + 1 :]
        elif i + 1 < len(word):
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word


@pytest.fixture(scope="module")
def words() -> list[str]:
    rng = random.Random(8)
    # few letters, so many words are close to each other and limits cut ties
    made = {
        "".join(rng.choice(LETTERS[: rng.choice((6, 29))]) for _ in range(rng.randint(3, 12)))
        for _ in range(6000)
    }
    return sorted(made)


@pytest.mark.parametrize("limit", [1, 5, 500])
def test_close_words_are_those_of_comparing_every_word(words, limit):
    rng = random.Random(limit)
    vocabulary = Vocabulary.of(words)
    typed_words = [misspell(rng, rng.choice(words)) for _ in range(300)] + ["ab", "x" * 30, "zzzzzzzz"]
    found_any = 0
    for typed in typed_words:
        expected = plain_close_words(typed, words, limit)
        assert close_words(typed, vocabulary, limit=limit) == expected, typed
        found_any += bool(expected)
    assert found_any > 200


def test_an_empty_vocabulary_has_no_close_words():
    assert close_words("wheat", Vocabulary.of([]), limit=5) == []


def test_letter_counts_count_other_characters_together():
    counts = letter_counts(["aéb-a", "", "zz"])
    assert counts[0, 0] == 2 and counts[0, 1] == 1 and counts[0, -1] == 2 and counts[0].sum() == 5
    assert counts[1].sum() == 0 and counts[2, 25] == 2 and counts[2].sum() == 2
    assert letter_counts([]).shape == (0, 27)

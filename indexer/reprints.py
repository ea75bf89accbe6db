"""Reprint groups: copies of one story (repeats, corrections, longer and shorter versions), found with
MinHash (datasketch) and banded LSH, then checked.

Similar wording is not enough: the Fed's daily "adds reserves" notices, different companies' dividend
notices and a market's price snapshots share nearly all their words. They differ in what a copy of one
story keeps: its date, its tickers, the numbers of its headline and body. So a signature carries those
facts beside the MinHash of the body's word 5-grams, and two near-duplicates are one story only if
the facts agree (`same_story`). bench/reprints.py measures this on labelled Reuters pairs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from datasketch import MinHash

from dateline.corpus.article import aware
from dateline.corpus.script import ascii_digits

NUM_PERM = 64
SHINGLE = 5
SCHEME = "affine32"  # stated, so stored signatures stay comparable across datasketch releases
# Candidates share all ROWS values of one of BANDS bands: about even odds at Jaccard 0.3 (so a short
# version of a long story is found), 0.94 at 0.5 (datasketch's MinHashLSH picks these for 0.3).
BANDS, ROWS = 21, 3
CONTAINED = 0.6  # share of the shorter copy's 5-grams that the longer one has
FACTS_KEPT = 0.9  # share of the facts of the copy stating fewer that the other states too
DAYS_APART = 7  # copies further apart are a recurring notice, not a reprint
_HASHES = NUM_PERM * 8  # bytes of a MinHash signature; the facts follow it
_FACTS = b"v2\n"  # marks the facts as JSON; earlier signatures list numbers and tickers, one per line
_WORD = re.compile(r"\w+")
_TICKER = re.compile(r"[<\[]([A-Z][A-Z0-9&]*)(?:\.[A-Z]{1,3})?[>\]]")  # <BAC.N>, [BTOM.MI]: BAC, BTOM
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,:/]\d+)*(?:-\d+/\d+)?")  # 1.5, 2,000, 3/4, 6-1/16, 09:15
_NUMBER_WORDS = {word: str(value) for value, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_NAME = re.compile(r"\b[A-Z][\w&'.-]*")
_LEDE_END = re.compile(r"\.\s|\n")
_NUMBER_WORD = re.compile(r"\b(?:" + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE)


def shingles(body: str) -> set[bytes]:
    words = _WORD.findall(body.casefold())
    return {" ".join(words[i:i + SHINGLE]).encode("utf-8") for i in range(max(len(words) - SHINGLE + 1, 0))}


# Drawing the hash permutations is costly; every signature shares one set, made once.
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations


def tickers(text: str) -> frozenset[str]:
    """Stock symbols as wire copy marks them, without the exchange suffix one copy may add."""
    return frozenset(_TICKER.findall(text))


def numbers(text: str) -> frozenset[str]:
    """The numbers a text states, written one way: 2,000 is 2000, ۱۲ is 12, "six" (as wire style
    spells small numbers) is 6; tickers are not numbers."""
    text = _TICKER.sub(" ", ascii_digits(text))
    text = _NUMBER_WORD.sub(lambda match: _NUMBER_WORDS[match.group().lower()], text)
    return frozenset(number.replace(",", "") for number in _NUMBER.findall(text))


def lede_names(body: str) -> frozenset[str]:
    """The capitalised words of the first sentence: who the story is about (Irving Trust, TCF
    Banking), which another company's notice in the same words changes."""
    return frozenset(name.casefold() for name in _NAME.findall(_LEDE_END.split(body, maxsplit=1)[0]))


@dataclass(frozen=True)
class Story:
    """What a signature tells about one article: its 5-grams' MinHash values and the facts copies keep."""

    hashes: np.ndarray
    shingles: int | None  # how many 5-grams; None in signatures written before it was kept
    published: datetime | None
    tickers: frozenset[str]
    headline_numbers: frozenset[str]
    numbers: frozenset[str]
    names: frozenset[str] = frozenset()


def signature(title: str, body: str, published: datetime | None = None) -> bytes:
    """The MinHash of the body's word 5-grams, then the story's facts as JSON; empty for bodies too
    short to compare."""
    grams = shingles(body)
    if len(grams) < 3:
        return b""
    minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME, permutations=_PERMUTATIONS)
    minhash.update_batch(list(grams))
    facts = {"shingles": len(grams), "published": published.isoformat() if published else None,
             "tickers": sorted(tickers(f"{title}\n{body}")), "headline": sorted(numbers(title)),
             "numbers": sorted(numbers(f"{title}\n{body}")),
             "names": sorted(lede_names(body))}
    return minhash.hashvalues.astype(np.uint64).tobytes() + _FACTS + json.dumps(facts).encode()


def story(packed: bytes) -> Story:
    hashes = np.frombuffer(packed[:_HASHES], dtype=np.uint64)
    tail = packed[_HASHES:]
    if not tail.startswith(_FACTS):
        stated = frozenset(tail.decode().split("\n")) - {""}
        return Story(hashes, None, None, tickers(" ".join(fact for fact in stated if fact[0] == "<")),
                     frozenset(), frozenset(fact for fact in stated if fact[0] != "<"))
    facts = json.loads(tail[len(_FACTS):])
    published = datetime.fromisoformat(facts["published"]) if facts["published"] else None
    return Story(hashes, facts["shingles"], published, frozenset(facts["tickers"]),
                 frozenset(facts["headline"]), frozenset(facts["numbers"]), frozenset(facts["names"]))


def _contained(first: Story, second: Story) -> float:
    """The estimated share of the shorter body's 5-grams found in the longer one."""
    jaccard = float(np.count_nonzero(first.hashes == second.hashes)) / NUM_PERM
    if first.shingles is None or second.shingles is None:
        return 2 * jaccard / (1 + jaccard)  # as if both were as long
    common = jaccard * (first.shingles + second.shingles) / (1 + jaccard)
    return min(common / min(first.shingles, second.shingles), 1.0)


def _disjoint(first: frozenset[str], second: frozenset[str]) -> bool:
    return bool(first and second and not first & second)


def same_story(first: Story, second: Story) -> bool:
    """Whether two candidates are copies of one story: most of the shorter body is in the longer,
    they are dated within DAYS_APART, name a ticker in common (if both name any), share a number
    of their headlines (if both state any), and the copy stating fewer numbers states few the
    other does not (a longer version adds facts; a different story changes them)."""
    if first.published and second.published:
        if abs(aware(first.published) - aware(second.published)).days >= DAYS_APART:
            return False
    if any(_disjoint(*pair) for pair in ((first.tickers, second.tickers), (first.names, second.names),
                                         (first.headline_numbers, second.headline_numbers))):
        return False
    fewer, more = sorted((first.numbers, second.numbers), key=len)
    if fewer and len(fewer & more) / len(fewer) < FACTS_KEPT:
        return False
    return _contained(first, second) >= CONTAINED


def bands(told: Story) -> list[bytes]:
    """The LSH bands of a story's MinHash values: stories with one band equal are candidates."""
    return [told.hashes[band * ROWS:(band + 1) * ROWS].tobytes() for band in range(BANDS)]


class _Bands:
    """Which stories share a band of MinHash values: one dict per band from the band's hash to its
    keys (a bare key while there is one, as most buckets hold), about 1.5 KB a story where
    datasketch's MinHashLSH, a set per bucket, takes 6."""

    def __init__(self) -> None:
        self._buckets: list[dict[int, str | list[str]]] = [{} for _ in range(BANDS)]

    @staticmethod
    def _hashes(story: Story) -> list[int]:
        return [hash(band) for band in bands(story)]

    def candidates(self, story: Story) -> set[str]:
        found: set[str] = set()
        for bucket, band in zip(self._buckets, self._hashes(story), strict=True):
            keys = bucket.get(band)
            if keys is not None:
                found.update([keys] if isinstance(keys, str) else keys)
        return found

    def insert(self, key: str, story: Story) -> None:
        for bucket, band in zip(self._buckets, self._hashes(story), strict=True):
            keys = bucket.get(band)
            bucket[band] = key if keys is None else [keys, key] if isinstance(keys, str) else [*keys, key]

    def remove(self, key: str, story: Story) -> None:
        for bucket, band in zip(self._buckets, self._hashes(story), strict=True):
            keys = bucket.get(band)
            if keys == key:
                del bucket[band]
            elif isinstance(keys, list):
                rest = [k for k in keys if k != key]
                bucket[band] = rest[0] if len(rest) == 1 else rest


class ReprintGroups:
    """Assigns each new article the group of an existing copy of its story, or a group of its own.

    A group is named after the id of the first copy indexed; the earliest copy by date is found
    at query time, since a later run may index an older copy.
    """

    def __init__(self) -> None:
        self._bands = _Bands()
        self._group: dict[str, str] = {}
        self._stories: dict[str, Story] = {}

    def add_existing(self, key: str, packed: bytes, group: str) -> None:
        if packed and key not in self._group:
            told = story(packed)
            self._bands.insert(key, told)
            self._group[key] = group
            self._stories[key] = told

    def assign(self, key: str, packed: bytes, article_id: str) -> str:
        """The group of the first indexed copy of the same story, else a new group."""
        if not packed:
            return article_id
        told = story(packed)
        candidates = sorted(k for k in self._bands.candidates(told)
                            if k != key and same_story(told, self._stories[k]))
        group = self._group[candidates[0]] if candidates else article_id
        if key in self._group:
            self._bands.remove(key, self._stories[key])
        self._bands.insert(key, told)
        self._group[key] = group
        self._stories[key] = told
        return group

    def forget(self, key: str) -> None:
        if key in self._group:
            self._bands.remove(key, self._stories[key])
            del self._group[key]
            del self._stories[key]

"""Reprint groups: copies of one story (repeats, corrections, longer and shorter versions), found with
MinHash (datasketch) and banded LSH, then checked.

Similar wording is not enough: the Fed's daily "adds reserves" notices, different companies' dividend
notices and a market's price snapshots share nearly all their words. They differ in what a copy of one
story keeps: its date, its tickers, the numbers of its headline and body. So a signature carries those
facts beside the MinHash of the body's word 5-grams, and two near-duplicates are one story only if
the facts agree (`same_story`). bench/reprints.py measures this on labelled Reuters pairs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
import tempfile
from array import array
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
from datasketch import MinHash

from dateline.corpus.article import aware
from dateline.corpus.script import ascii_digits

if TYPE_CHECKING:
    from dateline.indexer.engine.store import Store

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
# How a signature's 5-grams were hashed, named by the mark before its facts (as JSON). An index keeps
# the scheme of its first signatures (index_scheme), so its stories stay comparable.
WORD_HASHES = b"v3\n"  # each word hashed once (BLAKE2b), a 5-gram a mix of its five words' hashes
SHA1_GRAMS = b"v2\n"  # each 5-gram's text hashed by SHA-1 (datasketch's default): indexes before 2026-12-05
SCHEMES = (WORD_HASHES, SHA1_GRAMS)  # earlier still: SHA-1, and numbers and tickers one per line
_WORD = re.compile(r"\w+")
_TICKER = re.compile(r"[<\[]([A-Z][A-Z0-9&]*)(?:\.[A-Z]{1,3})?[>\]]")  # <BAC.N>, [BTOM.MI]: BAC, BTOM
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,:/]\d+)*(?:-\d+/\d+)?")  # 1.5, 2,000, 3/4, 6-1/16, 09:15
_NUMBER_WORDS = {word: str(value) for value, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_NAME = re.compile(r"\b[A-Z][\w&'.-]*")
_LEDE_END = re.compile(r"\.\s|\n")
_NUMBER_WORD = re.compile(r"\b(?:" + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE)
_NUMBER_WORD_LOWER = re.compile(r"\b(?:" + "|".join(_NUMBER_WORDS) + r")\b")


def shingles(body: str) -> set[bytes]:
    words = _WORD.findall(body.casefold())
    return {" ".join(words[i:i + SHINGLE]).encode("utf-8") for i in range(max(len(words) - SHINGLE + 1, 0))}


# Drawing the hash permutations is costly; every signature shares one set, made once.
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations
# odd 64-bit multipliers, one a place in the 5-gram: a 5-gram's hash is the high half of their sum
_PLACES = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
                    0xFF51AFD7ED558CCD], dtype=np.uint64)
_WORD_HASHES: dict[str, int] = {}  # a reading process's words seen, hashed once each
_WORDS_KEPT = 200_000  # then forgotten: some 30 MB


def _word_hash(word: str) -> int:
    if len(_WORD_HASHES) >= _WORDS_KEPT:
        _WORD_HASHES.clear()
    value = _WORD_HASHES[word] = int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(),
                                                "little")
    return value


def word_gram_hashes(body: str) -> np.ndarray:
    """WORD_HASHES' 5-gram hashes, made in numpy: hashing each 5-gram's text (SHA1_GRAMS) was a
    third of reading an article."""
    words = _WORD.findall(body.casefold())
    grams = len(words) - SHINGLE + 1
    if grams < 1:
        return np.zeros(0, dtype=np.uint64)
    known = _WORD_HASHES.get
    found = [known(word) for word in words]
    if None in found:
        found = [_word_hash(word) if value is None else value
                 for word, value in zip(words, found, strict=True)]
    hashes = np.array(found, dtype=np.uint64)
    mixed = hashes[:grams] * _PLACES[0]
    for place in range(1, SHINGLE):
        mixed += hashes[place:grams + place] * _PLACES[place]  # wraps at 2**64, as meant
    return np.unique(mixed >> np.uint64(32))


def tickers(text: str) -> frozenset[str]:
    """Stock symbols as wire copy marks them, without the exchange suffix one copy may add."""
    return frozenset(_TICKER.findall(text))


def numbers(text: str) -> frozenset[str]:
    """The numbers a text states, written one way: 2,000 is 2000, ۱۲ is 12, "six" (as wire style
    spells small numbers) is 6; tickers are not numbers."""
    text = ascii_digits(text)
    if "<" in text or "[" in text:  # where a ticker can be: the search for one is a fifth of the time
        text = _TICKER.sub(" ", text)
    if text.isascii():  # lower-cased alike, its number words are found without IGNORECASE, a third faster
        text = _NUMBER_WORD_LOWER.sub(lambda match: _NUMBER_WORDS[match.group()], text.lower())
    else:
        text = _NUMBER_WORD.sub(lambda match: _NUMBER_WORDS[match.group().lower()], text)
    return frozenset(number.replace(",", "") for number in _NUMBER.findall(text))


def lede_names(body: str) -> frozenset[str]:
    """The capitalised words of the first sentence: who the story is about (Irving Trust, TCF
    Banking), which another company's notice in the same words changes."""
    end = _LEDE_END.search(body)
    return frozenset(name.casefold() for name in _NAME.findall(body, 0, end.start() if end else len(body)))


@dataclass(frozen=True)
class Story:
    """What a signature tells about one article: its 5-grams' MinHash values and the facts copies keep."""

    hashes: np.ndarray
    scheme: bytes  # how its 5-grams were hashed: stories of two schemes are not compared
    shingles: int | None  # how many 5-grams; None in signatures written before it was kept
    published: datetime | None
    tickers: frozenset[str]
    headline_numbers: frozenset[str]
    numbers: frozenset[str]
    names: frozenset[str] = frozenset()


def gram_hashes(body: str, scheme: bytes) -> list[int]:
    """The 32-bit hashes of the body's distinct word 5-grams, as the scheme makes them."""
    if scheme == WORD_HASHES:
        return word_gram_hashes(body).tolist()
    return [int.from_bytes(hashlib.sha1(text).digest()[:4], "little") for text in shingles(body)]


def signature(title: str, body: str, published: datetime | None = None, scheme: bytes = WORD_HASHES) -> bytes:
    """The MinHash of the body's word 5-grams, then the story's facts as JSON; empty for bodies too
    short to compare."""
    hashes = gram_hashes(body, scheme)
    if len(hashes) < 3:
        return b""
    minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME, permutations=_PERMUTATIONS, hashfunc=int)
    minhash.update_batch(hashes)
    text = f"{title}\n{body}"
    facts = {"shingles": len(hashes), "published": published.isoformat() if published else None,
             "tickers": sorted(tickers(text)), "headline": sorted(numbers(title)),
             "numbers": sorted(numbers(text)), "names": sorted(lede_names(body))}
    return minhash.hashvalues.astype(np.uint64).tobytes() + scheme + json.dumps(facts).encode()


def story(packed: bytes) -> Story:
    hashes = np.frombuffer(packed[:_HASHES], dtype=np.uint64)
    tail = packed[_HASHES:]
    scheme = tail[:len(WORD_HASHES)]
    if scheme not in SCHEMES:
        stated = frozenset(tail.decode().split("\n")) - {""}
        return Story(hashes, SHA1_GRAMS, None, None,
                     tickers(" ".join(fact for fact in stated if fact[0] == "<")),
                     frozenset(), frozenset(fact for fact in stated if fact[0] != "<"))
    facts = json.loads(tail[len(scheme):])
    published = datetime.fromisoformat(facts["published"]) if facts["published"] else None
    return Story(hashes, scheme, facts["shingles"], published, frozenset(facts["tickers"]),
                 frozenset(facts["headline"]), frozenset(facts["numbers"]), frozenset(facts["names"]))


def index_scheme(store: Store) -> bytes:
    """The scheme an index's signatures are in (that of its first), WORD_HASHES where it has none:
    a run signs its articles so, to compare them with the index's."""
    packed = next((packed for _, _, packed, _ in store.reprint_signatures() if packed), b"")
    return story(packed).scheme if packed else WORD_HASHES


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
    if first.scheme != second.scheme:
        return False
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


class _Stories:
    """Every story's key, group and signature in an unnamed temporary file, and its place there in
    memory: 8 bytes a story, where the stories themselves (a MinHash and sets of facts) take some
    4 KB, which at a million articles was most of the indexer's 4 GB."""

    _HEADER = struct.Struct("<III")  # sizes of the key, the group and the signature

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()
        self._places = array("q")  # story number -> offset in the file
        self._end = self._flushed = 0

    def append(self, key: str, group: str, packed: bytes) -> int:
        encoded_key, encoded_group = key.encode("utf-8"), group.encode("utf-8")
        record = self._HEADER.pack(len(encoded_key), len(encoded_group), len(packed))
        self._file.write(record + encoded_key + encoded_group + packed)
        self._places.append(self._end)
        self._end += self._HEADER.size + len(encoded_key) + len(encoded_group) + len(packed)
        return len(self._places) - 1

    def read(self, number: int) -> tuple[str, str, bytes]:
        """A story's key, group and signature."""
        if self._places[number] >= self._flushed:
            self._file.flush()
            self._flushed = self._end
        fd, place = self._file.fileno(), self._places[number]
        key_size, group_size, packed_size = self._HEADER.unpack(os.pread(fd, self._HEADER.size, place))
        data = os.pread(fd, key_size + group_size + packed_size, place + self._HEADER.size)
        return (data[:key_size].decode("utf-8"), data[key_size:key_size + group_size].decode("utf-8"),
                data[key_size + group_size:])


# mixes a band's three MinHash values and its number into one 64-bit key (odd multipliers, wrapping)
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)


def band_keys(told: Story) -> np.ndarray:
    """One 64-bit key per LSH band: stories with a key in common are candidates (a chance collision
    only adds a candidate, which same_story then rejects)."""
    values = told.hashes[:BANDS * ROWS].reshape(BANDS, ROWS).astype(np.uint64)
    with np.errstate(over="ignore"):
        mixed = (values * _MIX).sum(axis=1, dtype=np.uint64) + np.arange(BANDS, dtype=np.uint64) * _MIX[0]
        return mixed ^ (mixed >> np.uint64(29))


class _BandTable:
    """Which stories have a band key: sorted numpy arrays (12 bytes a band, 252 a story) and a dict
    of the latest stories' keys (a bare story number while a key has one, as nearly all do),
    merged into the arrays once it holds RECENT stories. A story replaced or forgotten stays in
    the table; candidates are checked against the living."""

    RECENT = 5_000

    def __init__(self) -> None:
        self._keys = np.empty(0, dtype=np.uint64)
        self._stories = np.empty(0, dtype=np.int32)
        self._recent: dict[int, int | list[int]] = {}
        self._recent_keys: list[np.ndarray] = []
        self._first_recent = 0  # story numbers are given in order: the recent ones follow it

    def candidates(self, keys: np.ndarray) -> set[int]:
        first = np.searchsorted(self._keys, keys, side="left")
        last = np.searchsorted(self._keys, keys, side="right")
        found = {int(number) for start, end in zip(first.tolist(), last.tolist(), strict=True)
                 for number in self._stories[start:end].tolist()}
        for key in keys.tolist():
            numbers = self._recent.get(key)
            if numbers is not None:
                found.update(numbers if isinstance(numbers, list) else (numbers,))
        return found

    def insert(self, number: int, keys: np.ndarray) -> None:
        """Bands of story `number`, the next story number."""
        for key in keys.tolist():
            numbers = self._recent.get(key)
            self._recent[key] = number if numbers is None else (
                [*numbers, number] if isinstance(numbers, list) else [numbers, number])
        self._recent_keys.append(keys)
        if len(self._recent_keys) >= self.RECENT:
            self._merge()

    def _merge(self) -> None:
        """The recent keys sorted into the arrays (one pass over them, not a sort of the whole)."""
        keys = np.concatenate(self._recent_keys)
        stories = np.repeat(np.arange(self._first_recent, self._first_recent + len(self._recent_keys),
                                      dtype=np.int32), BANDS)
        order = np.argsort(keys, kind="stable")
        at = np.searchsorted(self._keys, keys[order], side="right")
        self._keys = np.insert(self._keys, at, keys[order])
        self._stories = np.insert(self._stories, at, stories[order])
        self._first_recent += len(self._recent_keys)
        self._recent, self._recent_keys = {}, []


class ReprintGroups:
    """Assigns each new article the group of an existing copy of its story, or a group of its own.

    A group is named after the id of the first copy indexed; the earliest copy by date is found
    at query time, since a later run may index an older copy. What it keeps in memory is a few
    hundred bytes a story (the band table and each key's story number); the stories are on disk.
    """

    def __init__(self) -> None:
        self._bands = _BandTable()
        self._stories = _Stories()
        self._number: dict[str, int] = {}  # the living story of each key

    def add_existing(self, key: str, packed: bytes, group: str) -> None:
        if packed and key not in self._number:
            self._add(key, packed, group, band_keys(story(packed)))

    def _add(self, key: str, packed: bytes, group: str, bands: np.ndarray) -> None:
        number = self._stories.append(key, group, packed)
        self._bands.insert(number, bands)
        self._number[key] = number

    def assign(self, key: str, packed: bytes, article_id: str) -> str:
        """The group of the first indexed copy (by key) of the same story, else a new group."""
        if not packed:
            return article_id
        told = story(packed)
        bands = band_keys(told)
        confirmed = []
        for number in self._bands.candidates(bands):
            other, group, other_packed = self._stories.read(number)
            if other != key and self._number.get(other) == number and same_story(told, story(other_packed)):
                confirmed.append((other, group))
        group = min(confirmed)[1] if confirmed else article_id
        self._add(key, packed, group, bands)
        return group

    def forget(self, key: str) -> None:
        self._number.pop(key, None)

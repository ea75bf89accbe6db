"""Reprint groups: syndicated copies of one story, found with MinHash LSH (datasketch).

Similar wording is not enough: the Fed's daily "adds reserves" notices and different companies'
dividend notices share nearly all their words and differ in the amounts, dates and tickers. So a
signature also carries the story's facts (every number and every <TICKER> of its title and body),
and a near-duplicate joins a group only if their facts agree too.
"""

from __future__ import annotations

import re

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 64
THRESHOLD = 0.7
SHINGLE = 5
SCHEME = "affine32"  # stated, so stored signatures stay comparable across datasketch releases
_WORD = re.compile(r"\w+")
_FACT = re.compile(r"<[A-Z][A-Z.]*>|\d+(?:[.,/:]\d+)*")  # tickers and numbers: 1.5, 3/4, 137, 09:15
_HASHES = NUM_PERM * 8  # bytes of a MinHash signature; the facts follow it
FACTS_AGREE = 0.8  # Jaccard of two stories' facts at which they may be the same story


def shingles(body: str) -> set[bytes]:
    words = _WORD.findall(body.casefold())
    return {" ".join(words[i:i + SHINGLE]).encode("utf-8") for i in range(max(len(words) - SHINGLE + 1, 0))}


# Drawing the hash permutations is costly; every signature shares one set, made once.
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations


def facts(title: str, body: str) -> frozenset[str]:
    """The numbers and tickers of a story, which copies of it keep and different stories differ in."""
    return frozenset(_FACT.findall(f"{title}\n{body}"))


def signature(title: str, body: str) -> bytes:
    """The MinHash signature of the body's word 5-grams, then the story's facts (one per line);
    empty for bodies too short to compare."""
    grams = shingles(body)
    if len(grams) < 3:
        return b""
    minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME, permutations=_PERMUTATIONS)
    minhash.update_batch(list(grams))
    return minhash.hashvalues.astype(np.uint64).tobytes() + "\n".join(sorted(facts(title, body))).encode()


def _minhash(packed: bytes) -> MinHash:
    return MinHash(num_perm=NUM_PERM, hashvalues=np.frombuffer(packed[:_HASHES], dtype=np.uint64),
                   scheme=SCHEME, permutations=_PERMUTATIONS)


def _facts(packed: bytes) -> frozenset[str]:
    return frozenset(packed[_HASHES:].decode().split("\n")) - {""}


def facts_agree(first: frozenset[str], second: frozenset[str]) -> bool:
    """Whether two near-duplicates are about the same thing: the same tickers where both name any,
    and facts in common (Jaccard FACTS_AGREE or more; no fact on either side agrees)."""
    tickers = [{fact for fact in side if fact.startswith("<")} for side in (first, second)]
    if all(tickers) and tickers[0] != tickers[1]:
        return False
    if not first and not second:
        return True
    return len(first & second) / len(first | second) >= FACTS_AGREE


class ReprintGroups:
    """Assigns each new article the group of an existing near-duplicate, or a group of its own.

    A group is named after the id of the first copy indexed; the earliest copy by date is found
    at query time, since a later run may index an older copy.
    """

    def __init__(self) -> None:
        self._lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
        self._group: dict[str, str] = {}
        self._facts: dict[str, frozenset[str]] = {}

    def add_existing(self, key: str, packed: bytes, group: str) -> None:
        if packed and key not in self._group:
            self._lsh.insert(key, _minhash(packed))
            self._group[key] = group
            self._facts[key] = _facts(packed)

    def assign(self, key: str, packed: bytes, article_id: str) -> str:
        """The group of the first indexed near-duplicate stating the same facts, else a new group."""
        if not packed:
            return article_id
        minhash, stated = _minhash(packed), _facts(packed)
        candidates = sorted(k for k in self._lsh.query(minhash)
                            if k != key and facts_agree(stated, self._facts[k]))
        group = self._group[candidates[0]] if candidates else article_id
        if key in self._group:
            self._lsh.remove(key)
        self._lsh.insert(key, minhash)
        self._group[key] = group
        self._facts[key] = stated
        return group

    def forget(self, key: str) -> None:
        if key in self._group:
            self._lsh.remove(key)
            del self._group[key]
            del self._facts[key]

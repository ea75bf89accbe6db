"""Reprint groups: syndicated copies of one story, found with MinHash LSH (datasketch)."""

from __future__ import annotations

import re

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 64
THRESHOLD = 0.7
SHINGLE = 5
SCHEME = "affine32"  # stated, so stored signatures stay comparable across datasketch releases
_WORD = re.compile(r"\w+")


def shingles(body: str) -> set[bytes]:
    words = _WORD.findall(body.casefold())
    return {" ".join(words[i:i + SHINGLE]).encode("utf-8") for i in range(max(len(words) - SHINGLE + 1, 0))}


# Drawing the hash permutations is costly; every signature shares one set, made once.
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations


def signature(body: str) -> bytes:
    """A MinHash signature of the body's word 5-grams; empty for bodies too short to compare."""
    grams = shingles(body)
    if len(grams) < 3:
        return b""
    minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME, permutations=_PERMUTATIONS)
    minhash.update_batch(list(grams))
    return minhash.hashvalues.astype(np.uint64).tobytes()


def _minhash(packed: bytes) -> MinHash:
    return MinHash(num_perm=NUM_PERM, hashvalues=np.frombuffer(packed, dtype=np.uint64), scheme=SCHEME,
                   permutations=_PERMUTATIONS)


class ReprintGroups:
    """Assigns each new article the group of an existing near-duplicate, or a group of its own.

    A group is named after the id of the first copy indexed; the earliest copy by date is found
    at query time, since a later run may index an older copy.
    """

    def __init__(self) -> None:
        self._lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
        self._group: dict[str, str] = {}

    def add_existing(self, key: str, packed: bytes, group: str) -> None:
        if packed and key not in self._group:
            self._lsh.insert(key, _minhash(packed))
            self._group[key] = group

    def assign(self, key: str, packed: bytes, article_id: str) -> str:
        if not packed:
            return article_id
        minhash = _minhash(packed)
        candidates = sorted(k for k in self._lsh.query(minhash) if k != key)
        group = self._group[candidates[0]] if candidates else article_id
        if key in self._group:
            self._lsh.remove(key)
        self._lsh.insert(key, minhash)
        self._group[key] = group
        return group

    def forget(self, key: str) -> None:
        if key in self._group:
            self._lsh.remove(key)
            del self._group[key]

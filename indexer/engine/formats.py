"""How a text field's postings store word positions.

Whoosh's Positions format stores each posting's positions as a 4-byte count and a pickled list of
gaps, so reading the positions of a word in a million articles means a million `pickle.loads`
and a Python loop over every position: about 4 s for one common word of a generated million-article
archive, and a two-word phrase stopped at the query time limit. VarintPositions stores the gaps as
LEB128 varints (one byte for a gap under 128), which numpy decodes a whole posting list at a time
(`decode_position_runs`), and which are smaller than the pickles. Whoosh still reads them one
posting at a time through `decode_positions` (its own phrase and span queries). Indexes built
before keep Positions: their stored schema names it, and they are read as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from whoosh.formats import Positions


def encode_varints(numbers: Sequence[int]) -> bytes:
    """Non-negative integers as LEB128: seven bits a byte, low bits first, the top bit set on every
    byte but a number's last."""
    if all(number < 128 for number in numbers):
        return bytes(numbers)
    return encode_varint_array(np.asarray(numbers, dtype=np.int64))[0]


def encode_varint_array(numbers: np.ndarray) -> tuple[bytes, np.ndarray]:
    """encode_varints of a whole array at once (a segment's position gaps), and each number's size
    in bytes."""
    sizes = np.ones(len(numbers), dtype=np.int64)
    for bits in (7, 14, 21, 28, 35, 42, 49, 56):
        sizes += numbers >= (1 << bits)
    if len(numbers) == 0 or sizes.max() == 1:
        return numbers.astype(np.uint8).tobytes(), sizes
    out = np.empty(int(sizes.sum()), dtype=np.uint8)
    at = np.cumsum(sizes) - sizes
    for byte in range(int(sizes.max())):
        more = sizes > byte
        continued = (sizes[more] > byte + 1).astype(np.uint8) << 7
        out[at[more] + byte] = ((numbers[more] >> (7 * byte)) & 127).astype(np.uint8) | continued
    return out.tobytes(), sizes


def decode_varints(data: np.ndarray) -> np.ndarray:
    """Every LEB128 number in a byte array, as int64 (the inverse of encode_varints)."""
    ends = np.flatnonzero(data < 128)
    if len(ends) == len(data):  # every number one byte (the common case), or no bytes at all
        return data.astype(np.int64)
    starts = np.concatenate(([0], ends[:-1] + 1))
    digit = np.arange(len(data)) - np.repeat(starts, ends - starts + 1)
    parts = (data & 127).astype(np.int64) << (7 * digit)
    return np.add.reduceat(parts, starts)


class VarintPositions(Positions):
    """Positions stored as varint gaps (see the module's docstring)."""

    def encode(self, poslist: Sequence[int]) -> bytes:
        gaps = [position - before for position, before in zip(poslist, [0, *poslist[:-1]], strict=True)]
        return encode_varints(gaps)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        gaps = decode_varints(np.frombuffer(valuestring, dtype=np.uint8))
        return np.cumsum(gaps).tolist()

    def decode_frequency(self, valuestring: bytes) -> int:
        return int(np.count_nonzero(np.frombuffer(valuestring, dtype=np.uint8) < 128))


def decode_position_runs(values: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """The positions of many postings' VarintPositions values at once: for each position, the
    index of its posting in `values`, and the position itself."""
    data = np.frombuffer(b"".join(values), dtype=np.uint8)
    gaps = decode_varints(data)
    # the posting of each number: the value holding its last byte
    sizes = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    owner = np.repeat(np.arange(len(values)), sizes)[data < 128]
    totals = np.cumsum(gaps)
    first = np.flatnonzero(np.diff(owner, prepend=-1))  # each posting's first position
    before = np.repeat(totals[first] - gaps[first], np.diff(np.append(first, len(owner))))
    return owner, totals - before

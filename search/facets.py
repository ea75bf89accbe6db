"""Facet kinds, registered in one place: a facet is an entry of the field registry
(indexer/fields.py), counted by the class its `facet_kind` names in FACET_KINDS.

Counting is done on cached per-field maps (numpy arrays of (document, value) pairs), so a facet
count over any set of matching documents is one bincount, whatever the size of the match.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from dateline.indexer.fields import FACET_FIELDS, UNKNOWN

if TYPE_CHECKING:
    from dateline.indexer.engine.segments import FacetPart

FEW_VALUES = 1024  # a field with up to this many values is counted a value at a time (at most 2^16)


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    selected: bool = False

    @property
    def unknown(self) -> bool:
        return self.value == UNKNOWN


@dataclass(frozen=True)
class FacetCounts:
    name: str
    label: str
    values: list[FacetValue]
    selected: tuple[str, ...] = ()


class FieldMap:
    """Every (document, value) pair of one field, for counting and filtering with numpy."""

    def __init__(self, values: np.ndarray, docs: np.ndarray, ordinals: np.ndarray, doc_count: int):
        self.sorted_values = values  # distinct, in numpy's order: a value's ordinal is its place here
        self.docs = docs
        self.ordinals = ordinals
        self.doc_count = doc_count

    @functools.cached_property
    def values(self) -> list[str]:
        """The values as Python strings, made when a facet lists them: the reprint field's million
        groups are only looked up, and as a list and a dict they took 129 MB at a million articles."""
        return self.sorted_values.tolist()

    @functools.cached_property
    def _folded(self) -> dict[str, list[str]]:
        folded: dict[str, list[str]] = {}
        for value in self.values:
            folded.setdefault(value.casefold(), []).append(value)
        return folded

    @classmethod
    def merge(cls, parts: Iterable[tuple[int, FacetPart]], doc_count: int) -> FieldMap:
        """One map over a whole view from each segment's (offset, part): values united and sorted,
        each segment's ordinals renumbered, its documents moved by its offset."""
        parts = list(parts)
        if not parts:
            empty = np.zeros(0, dtype=np.int32)
            return cls(np.zeros(0, dtype=str), empty, empty, doc_count)
        every = np.concatenate([part.values for _, part in parts])
        values, renumbered = np.unique(every, return_inverse=True)
        docs, ordinals, start = [], [], 0
        for offset, part in parts:
            renumber = renumbered[start:start + len(part.values)].astype(np.int32)
            start += len(part.values)
            docs.append(part.docs + np.int32(offset))
            # most segments of a few-valued field have every value: their ordinals stay as they are
            same = len(renumber) == len(values) and bool((renumber == np.arange(len(values))).all())
            ordinals.append(part.ordinals if same else renumber[part.ordinals])
        return cls(values, np.concatenate(docs), np.concatenate(ordinals), doc_count)

    def resolve(self, value: str) -> list[str]:
        """The indexed spellings of a value typed in any case ('reuters' -> ['Reuters'])."""
        return [value] if self.ordinal(value) is not None else self._folded.get(value.casefold(), [])

    def ordinal(self, value: str) -> int | None:
        place = int(np.searchsorted(self.sorted_values, value))
        return place if place < len(self.sorted_values) and self.sorted_values[place] == value else None

    def mask(self, values: list[str]) -> np.ndarray:
        """Documents having any of the values."""
        wanted = [ordinal for v in values if (ordinal := self.ordinal(v)) is not None]
        mask = np.zeros(self.doc_count, dtype=bool)
        mask[self.docs[np.isin(self.ordinals, wanted)]] = True
        return mask

    @functools.cached_property
    def _by_value(self) -> tuple[np.ndarray, np.ndarray]:
        """The documents grouped by value (as numpy's index type), and where each value's run starts.
        For few values (16-bit ordinals) numpy's stable sort is a radix sort."""
        order = np.argsort(self.ordinals.astype(np.uint16), kind="stable")
        starts = np.searchsorted(self.ordinals[order], np.arange(len(self.sorted_values) + 1))
        return self.docs[order].astype(np.intp), starts

    def counts(self, mask: np.ndarray) -> np.ndarray:
        """Documents of the mask with each value: for a field of few values one count_nonzero a
        value over the documents grouped by value, where bincount, which converts every ordinal to
        a 64-bit index first, took 4.5 ms a facet at a million articles (1 ms now)."""
        if len(self.sorted_values) > FEW_VALUES:
            return np.bincount(self.ordinals[mask[self.docs]], minlength=len(self.sorted_values))
        docs, starts = self._by_value
        found = mask[docs]
        return np.array([np.count_nonzero(found[start:end]) for start, end in pairwise(starts.tolist())],
                        dtype=np.intp)


class Facet:
    """A facet over one index field; values ordered by count, largest first."""

    by_value = False

    def __init__(self, name: str, field: str, label: str):
        self.name, self.field, self.label = name, field, label

    def order(self, values: list[FacetValue]) -> list[FacetValue]:
        known = [v for v in values if not v.unknown]
        known.sort(key=(lambda v: v.value) if self.by_value else (lambda v: (-v.count, v.value)))
        return known + [v for v in values if v.unknown]

    def count(self, fieldmap: FieldMap, mask: np.ndarray, selected: tuple[str, ...],
              limit: int | None) -> FacetCounts:
        counts = fieldmap.counts(mask)
        values = [FacetValue(value, int(counts[n]), value in selected)
                  for n, value in enumerate(fieldmap.values) if counts[n] or value in selected]
        values = self.order(values)
        if limit is not None and not self.by_value:
            # the selected values and unknown are always told
            values = values[:limit] + [v for v in values[limit:] if v.selected or v.unknown]
        return FacetCounts(self.name, self.label, values, selected)


def periods_between(first: str, last: str) -> list[str]:
    """Every year ('1986' ... '1988') or month ('1987-02' ... '1987-10') from first to last: numpy
    reads the unit from the value's form."""
    return [str(period) for period in np.arange(np.datetime64(first), np.datetime64(last) + 1)]


class DateFacet(Facet):
    """A date histogram (years or months): values in time order, none cut off, and the periods
    between with no article counted 0, so a gap shows as a gap."""

    by_value = True

    def order(self, values: list[FacetValue]) -> list[FacetValue]:
        ordered = super().order(values)
        known = {v.value: v for v in ordered if not v.unknown}
        if not known:
            return ordered
        every = periods_between(min(known), max(known))
        filled = [known.get(period, FacetValue(period, 0)) for period in every]
        return filled + [v for v in ordered if v.unknown]


FACET_KINDS: dict[str, type[Facet]] = {"terms": Facet, "dates": DateFacet}
FACETS: dict[str, Facet] = {f.name: FACET_KINDS[f.facet_kind](f.name, f.name, f.label) for f in FACET_FIELDS}

"""Facet kinds, registered in one place: a new facet is a small class or one line in FACETS.

Counting is done on cached per-field maps (numpy arrays of (document, value) pairs), so a facet
count over any set of matching documents is one bincount, whatever the size of the match.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dateline.indexer.schema import UNKNOWN


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

    def __init__(self, values: list[str], docs: np.ndarray, ordinals: np.ndarray, doc_count: int):
        self.values = values
        self.docs = docs
        self.ordinals = ordinals
        self.doc_count = doc_count
        self._index = {value: number for number, value in enumerate(values)}
        self._folded: dict[str, list[str]] = {}
        for value in values:
            self._folded.setdefault(value.casefold(), []).append(value)

    @classmethod
    def build(cls, reader, field: str) -> FieldMap:
        values, docs, ordinals = [], [], []
        for number, term in enumerate(reader.lexicon(field)):
            ids = np.fromiter(reader.postings(field, term).all_ids(), dtype=np.int32)
            values.append(term.decode("utf-8"))
            docs.append(ids)
            ordinals.append(np.full(len(ids), number, dtype=np.int32))
        empty = np.zeros(0, dtype=np.int32)
        return cls(values, np.concatenate(docs) if docs else empty,
                   np.concatenate(ordinals) if ordinals else empty, reader.doc_count_all())

    def resolve(self, value: str) -> list[str]:
        """The indexed spellings of a value typed in any case ('reuters' -> ['Reuters'])."""
        return [value] if value in self._index else self._folded.get(value.casefold(), [])

    def ordinal(self, value: str) -> int | None:
        return self._index.get(value)

    def mask(self, values: list[str]) -> np.ndarray:
        """Documents having any of the values."""
        wanted = [self._index[v] for v in values if v in self._index]
        mask = np.zeros(self.doc_count, dtype=bool)
        mask[self.docs[np.isin(self.ordinals, wanted)]] = True
        return mask

    def counts(self, mask: np.ndarray) -> np.ndarray:
        return np.bincount(self.ordinals[mask[self.docs]], minlength=len(self.values))


class Facet:
    """A facet over one index field; values ordered by count, largest first."""

    by_value = False

    def __init__(self, name: str, field: str, label: str):
        self.name, self.field, self.label = name, field, label

    def order(self, values: list[FacetValue]) -> list[FacetValue]:
        known = [v for v in values if not v.unknown]
        known.sort(key=(lambda v: v.value) if self.by_value else (lambda v: (-v.count, v.value)))
        return known + [v for v in values if v.unknown]

    def count(self, fieldmap: FieldMap, mask: np.ndarray, selected: tuple[str, ...], limit: int | None) -> FacetCounts:
        counts = fieldmap.counts(mask)
        values = [FacetValue(value, int(counts[n]), value in selected)
                  for n, value in enumerate(fieldmap.values) if counts[n] or value in selected]
        values = self.order(values)
        if limit is not None and not self.by_value:
            values = values[:limit] + [v for v in values[limit:] if v.selected or v.unknown]  # unknown is always told
        return FacetCounts(self.name, self.label, values, selected)


class DateFacet(Facet):
    """A date histogram (years or months): values in time order, none cut off."""

    by_value = True


FACETS: dict[str, Facet] = {facet.name: facet for facet in [
    Facet("agency", "agency", "Agency"),
    Facet("license", "license", "License"),
    Facet("lang", "lang", "Language"),
    Facet("dateline", "dateline", "Dateline"),
    Facet("place", "place", "Place"),
    Facet("topic", "topic", "Topic"),
    Facet("person", "person", "Person"),
    DateFacet("year", "year", "Year"),
    DateFacet("month", "month", "Month"),
]}

"""Search the index: queries, filters, facet counts, snippets; and publish it as a static site."""

from dateline.search.archive import Archive, ArchiveStats, Hit, SearchResults
from dateline.search.facets import FACETS, FacetCounts, FacetValue

__all__ = ["Archive", "ArchiveStats", "Hit", "SearchResults", "FACETS", "FacetCounts", "FacetValue"]

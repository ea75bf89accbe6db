"""Search the index: queries, filters, facet counts, snippets; and publish it as a static site."""

from typing import TYPE_CHECKING

from dateline.lazy import hand_on

if TYPE_CHECKING:
    from dateline.search.archive import Archive, ArchiveStats, Hit, SearchResults
    from dateline.search.facets import FACETS, FacetCounts, FacetValue

__all__ = ["Archive", "ArchiveStats", "Hit", "SearchResults", "FACETS", "FacetCounts", "FacetValue"]
__getattr__ = hand_on(__name__, {
    "Archive": ".archive", "ArchiveStats": ".archive", "Hit": ".archive", "SearchResults": ".archive",
    "FACETS": ".facets", "FacetCounts": ".facets", "FacetValue": ".facets",
})

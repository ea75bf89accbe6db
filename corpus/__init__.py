"""Read sources (files and folders) into normalised articles.

    from dateline.corpus import read_sources
    for item in read_sources(["seeds/"]):
        ...  # an Article, or a SourceError naming what could not be read
"""

from typing import TYPE_CHECKING

from dateline.lazy import hand_on

if TYPE_CHECKING:
    from dateline.corpus.article import Article, Provenance
    from dateline.corpus.exclude import DEFAULT_EXCLUDE
    from dateline.corpus.readers import READERS
    from dateline.corpus.records import FieldMapping
    from dateline.corpus.sources import SourceFile, read_file, read_sources, source_files
    from dateline.errors import SourceError

__all__ = ["Article", "DEFAULT_EXCLUDE", "FieldMapping", "Provenance", "SourceError", "SourceFile", "READERS",
           "read_file", "read_sources", "source_files"]
__getattr__ = hand_on(__name__, {
    "Article": ".article", "Provenance": ".article", "READERS": ".readers", "FieldMapping": ".records",
    "DEFAULT_EXCLUDE": ".exclude", "SourceFile": ".sources", "read_file": ".sources",
    "read_sources": ".sources", "source_files": ".sources", "SourceError": "dateline.errors",
})

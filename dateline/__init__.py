"""Dateline: an archival search engine for news corpora.

The package is laid out by pipeline stage: ``dateline.corpus`` reads sources into
normalised articles, ``dateline.indexer`` writes them into a Whoosh index, and
``dateline.search`` answers queries and publishes the static site.
"""

__version__ = "0.1.0"

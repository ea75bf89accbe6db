"""The storage engine: the only code that imports Whoosh.

It owns the index folder (store.py: opening, creating, digests, the writer), the schema derived from
the field registry (schema.py), text analysis (analysis.py), reading committed segments as numpy
arrays (segments.py), compiling queries into Dateline's plan (parser.py), and one generation's
statistics, stored articles, snippets and spelling (view.py). Everything else speaks Dateline's own
terms: articles, documents, plans, segments. whoosh-reloaded is pinned; tests/test_engine.py tests
what Dateline relies on.

Whoosh is imported here first, before any module of the package, without two modules it does not
need (imports.py).
"""

from dateline.indexer.engine.imports import import_whoosh

import_whoosh()

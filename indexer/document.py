"""The pure function from an article to an index document."""

from __future__ import annotations

import json
from datetime import timezone
from typing import Any

from dateline.corpus.article import Article, aware
from dateline.indexer.fields import FACET_FIELDS, UNKNOWN, local_day


def document_key(source_path: str, article: Article) -> str:
    """What an update replaces: the record of this file with the source's own identity (so editing one
    Reuters record updates that article, not the 999 after it whose offsets moved), else the article
    at this place of this file."""
    record = article.provenance.record
    return f"{source_path}#{record}" if record else f"{source_path}#{article.provenance.offset or 0}"


def document_from_article(article: Article, source_path: str, source_sig: str, reprint: str,
                          minhash: bytes) -> dict[str, Any]:
    """The index document for one article read from the file at source_path (absolute: what updates
    and --prune go by; the article itself names the file relative to the folder indexed). Facet
    values come from the field registry; an article without one is indexed as 'unknown'."""
    document: dict[str, Any] = {
        "key": document_key(source_path, article),
        "id": article.id,
        "source": source_path,
        "source_sig": source_sig,
        "checksum": article.provenance.checksum,
        # a title made from the body's first words is not indexed: those words would count twice
        "title": "" if article.title_derived else article.title,
        # the lead is searched too
        "body": f"{article.lead}\n\n{article.body}" if article.lead else article.body,
        "day": local_day(article.published),
        "reprint": reprint,
        "minhash": minhash,
        "article": json.dumps(article.to_dict(), ensure_ascii=False),
    }
    for facet in FACET_FIELDS:
        values = facet.values(article) if facet.values else ()
        if facet.kind == "facets":
            document[facet.name] = ",".join(values)
        else:
            document[facet.name] = values[0] if values else UNKNOWN
    if article.published:  # Whoosh stores naive datetimes; the index keeps UTC instants
        document["date"] = aware(article.published).astimezone(timezone.utc).replace(tzinfo=None)
    return document

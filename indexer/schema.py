"""The Whoosh schema, and the pure function from an article to an index document."""

from __future__ import annotations

import json
from datetime import timezone

from whoosh import columns, fields

from dateline.corpus.article import Article
from dateline.indexer.analysis import news_analyzer

UNKNOWN = "unknown"

# Single-valued facets are sortable columns (fast facet maps); multi-valued ones are keyword lists.
SINGLE_FACETS = ("agency", "license", "lang", "dateline", "year", "month")
MULTI_FACETS = ("topic", "place", "person")


def build_schema() -> fields.Schema:
    analyzer = news_analyzer()
    facet = dict(stored=False, sortable=True)
    keywords = dict(stored=False, commas=True, scorable=False)
    return fields.Schema(
        key=fields.ID(unique=True, stored=True, sortable=True),  # source#offset: what an update replaces
        id=fields.ID(stored=True),                 # the permalink id
        source=fields.ID(stored=True),             # for updates and --prune
        source_sig=fields.ID(),                    # path|size|mtime: unchanged files are skipped
        checksum=fields.ID(stored=True),
        title=fields.TEXT(analyzer=analyzer, field_boost=1.0),
        body=fields.TEXT(analyzer=analyzer, spelling=True),
        agency=fields.ID(**facet),
        license=fields.ID(**facet),
        lang=fields.ID(**facet),
        dateline=fields.ID(**facet),
        year=fields.ID(**facet),
        month=fields.ID(**facet),
        topic=fields.KEYWORD(**keywords),
        place=fields.KEYWORD(**keywords),
        person=fields.KEYWORD(**keywords),
        date=fields.DATETIME(sortable=True),
        reprint=fields.ID(stored=True, sortable=True),
        minhash=fields.COLUMN(columns.VarBytesColumn()),
        article=fields.STORED(),                   # the whole article as JSON, for results and pages
    )


def document_key(source_path: str, article: Article) -> str:
    """What an update replaces: the record of this file with the source's own identity (so editing one
    Reuters record updates that article, not the 999 after it whose offsets moved), else the article
    at this place of this file."""
    record = article.provenance.record
    return f"{source_path}#{record}" if record else f"{source_path}#{article.provenance.offset or 0}"


def document_from_article(article: Article, source_path: str, source_sig: str, reprint: str, minhash: bytes) -> dict:
    """Pure: the index document for one article read from the file at source_path (absolute: what
    updates and --prune go by; the article itself names the file relative to the folder indexed).
    Unknown dates are indexed as year/month 'unknown'."""
    published = article.published
    document = {
        "key": document_key(source_path, article),
        "id": article.id,
        "source": source_path,
        "source_sig": source_sig,
        "checksum": article.provenance.checksum,
        "title": article.title,
        "body": f"{article.lead}\n\n{article.body}" if article.lead else article.body,  # the lead is searched too
        "agency": article.agency or UNKNOWN,
        "license": article.license or UNKNOWN,
        "lang": article.language or UNKNOWN,
        "dateline": article.dateline or UNKNOWN,
        "year": f"{published.year:04d}" if published else UNKNOWN,
        "month": f"{published.year:04d}-{published.month:02d}" if published else UNKNOWN,
        "topic": ",".join(article.topics),
        "place": ",".join(article.places),
        "person": ",".join(article.people),
        "reprint": reprint,
        "minhash": minhash,
        "article": json.dumps(article.to_dict(), ensure_ascii=False),
    }
    if published:
        # Whoosh stores naive datetimes; the index keeps UTC.
        document["date"] = published.astimezone(timezone.utc).replace(tzinfo=None)
    return document

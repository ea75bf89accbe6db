"""The field registry: every field the index holds, and what each one is for.

One table, FIELDS. The Whoosh schema, the index document, the facets and their labels, the names a
query may put before a colon, the CLI's filter options, the site's browse pages, its navigation and
its Pagefind filters are all derived from it, so a new facet is one entry here. A test checks that
the CLI, the site and the README agree with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dateline.corpus.article import Article

UNKNOWN = "unknown"  # the facet value of an article whose source did not say
DEFAULT_INDEX = "dateline-index"


def local_day(published: datetime | None) -> int:
    """The calendar day an article was published, as YYYYMMDD in the source's own time (0: unknown).

    The one derivation of an article's date that year and month facets, --from/--to and date:
    queries all use: a Tehran article of 00:30 on 1 January is of 1 January, whatever UTC says."""
    return published.year * 10_000 + published.month * 100 + published.day if published else 0


@dataclass(frozen=True)
class Field:
    """One index field. `kind` says how it is indexed (the engine maps it to a Whoosh field type):

    key, id, path, checksum: exact identifiers (stored); signature: unstored identifier; text: words,
    analysed and ranked; facet: one value per article; facets: several values per article; instant,
    day: the publication time (UTC) and local calendar day as sortable numbers; group: the reprint
    group; bytes: a binary column; article: the whole article as stored JSON.

    A field with a `label` is a facet: counted, filterable (`--name` on the command line, unless
    `option` is None), and on the site where `site` says: browse pages, navigation, the home page,
    and article pages as a Pagefind filter.
    `values` gives an article's values of a facet; none means UNKNOWN."""

    name: str
    kind: str
    label: str = ""
    plural: str = ""                       # the site's navigation and browse heading
    aliases: tuple[str, ...] = ()          # other names a query may use before a colon
    values: Callable[[Article], tuple[str, ...]] | None = None
    facet_kind: str = "terms"              # terms: by count, largest first; dates: in time order, none cut
    option: str | None = None              # the CLI filter's help text; None: no filter option
    site: frozenset[str] = frozenset()     # where the site shows it: browse, nav, home, pagefind
    queryable: bool = True                 # may be named before a colon in a query

    @property
    def is_facet(self) -> bool:
        return bool(self.label)

    @property
    def browse(self) -> bool:
        return "browse" in self.site

    @property
    def nav(self) -> bool:
        return "nav" in self.site

    @property
    def home(self) -> bool:
        return "home" in self.site

    @property
    def pagefind(self) -> bool:
        return "pagefind" in self.site


def _one(value: str | None) -> tuple[str, ...]:
    return (value,) if value else ()


def _year(article: Article) -> tuple[str, ...]:
    day = local_day(article.published)
    return (f"{day // 10_000:04d}",) if day else ()


def _month(article: Article) -> tuple[str, ...]:
    day = local_day(article.published)
    return (f"{day // 10_000:04d}-{day // 100 % 100:02d}",) if day else ()


EVERYWHERE = frozenset({"browse", "nav", "home", "pagefind"})
FIELDS: tuple[Field, ...] = (
    Field("key", "key", queryable=False),           # source#record: what an update replaces
    Field("id", "id"),                              # the permalink id
    Field("source", "path", queryable=False),       # for updates and --prune
    Field("source_sig", "signature", queryable=False),  # path|size|mtime: unchanged files are skipped
    Field("checksum", "checksum", queryable=False),
    Field("title", "text"),
    Field("body", "text", aliases=("text",)),
    Field("agency", "facet", "Agency", "Agencies", values=lambda a: _one(a.agency), site=EVERYWHERE,
          option="Only this agency, e.g. Reuters (repeatable: any of them)."),
    Field("license", "facet", "License", "Licenses", values=lambda a: _one(a.license), site=EVERYWHERE,
          option="Only this license, e.g. CC-BY-4.0."),
    Field("lang", "facet", "Language", "Languages", aliases=("language",), values=lambda a: _one(a.language),
          site=EVERYWHERE, option="Only this language code, e.g. en, fa."),
    Field("dateline", "facet", "Dateline", "Datelines", aliases=("city",), values=lambda a: _one(a.dateline),
          site=EVERYWHERE, option="Only articles with this dateline, e.g. TEHRAN."),
    Field("year", "facet", "Year", "Years", values=_year, facet_kind="dates", site=EVERYWHERE),
    Field("month", "facet", "Month", "Months", values=_month, facet_kind="dates",
          site=frozenset({"browse", "pagefind"})),  # pagefind: the search page's date range
    Field("topic", "facets", "Topic", "Topics", aliases=("topics",), values=lambda a: a.topics,
          site=EVERYWHERE, option="Only this topic, e.g. cocoa."),
    Field("place", "facets", "Place", "Places", aliases=("places", "country"), values=lambda a: a.places,
          site=EVERYWHERE, option="Only articles about this place (Reuters PLACES, e.g. usa)."),
    Field("person", "facets", "Person", "People", aliases=("people",), values=lambda a: a.people,
          site=frozenset({"browse", "nav", "pagefind"}),
          option="Only articles naming this person (Reuters PEOPLE, e.g. volcker)."),
    Field("date", "instant"),
    Field("day", "day", queryable=False),
    Field("reprint", "group"),
    Field("minhash", "bytes", queryable=False),
    Field("article", "article", queryable=False),
)
BY_NAME = {f.name: f for f in FIELDS}
FACET_FIELDS = tuple(f for f in FIELDS if f.is_facet)
TEXT_FIELDS = tuple(f.name for f in FIELDS if f.kind == "text")
QUERY_FIELDS = tuple(f.name for f in FIELDS if f.queryable)
ALIASES = {f.name: list(f.aliases) for f in FIELDS if f.aliases}

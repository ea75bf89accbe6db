"""Whoosh's query language, parsed by Whoosh and compiled once into Dateline's plan (search/plan.py).

Compiling reads what the query's wildcards, prefixes, fuzzy terms and ranges stand for once, here,
bounded, so that no later step (matching, scoring, highlighting) expands them again; and it turns
facet values typed in any case into their indexed spelling (agency:reuters finds Reuters).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from whoosh import query as wq
from whoosh.qparser import FieldAliasPlugin, FuzzyTermPlugin, MultifieldPlugin, QueryParser, syntax

from dateline.errors import QueryError
from dateline.indexer.engine.combined import CombinedFields
from dateline.indexer.fields import ALIASES, TEXT_FIELDS, local_day
from dateline.search import plan
from dateline.search.query import prepare_query

MAX_EXPANSIONS = 4096    # words one wildcard, prefix or fuzzy term may stand for
Resolve = Callable[[str, str], list[str]]  # (field, value) -> the value's indexed spellings


class WordFields(syntax.GroupNode):
    """One unfielded word searched in every text field, scored once over them (BM25F: combined.py).
    Whoosh's own multifield group is an OR group, which the OR operator then merges into:
    `oil^2 OR price` became one OR boosted twice, price included. A group of its own kind is left
    alone."""

    merging = False
    qclass = CombinedFields


def make_parser(schema: Any, ranking: plan.Ranking) -> QueryParser:
    """Whoosh's parser with Dateline's plugins; an unfielded word is searched in every text field,
    each field weighted as the ranking says (BM25F's field weights)."""
    parser = QueryParser(None, schema)
    fields = MultifieldPlugin(list(TEXT_FIELDS), fieldboosts=ranking.field_weights(), group=WordFields)
    parser.add_plugin(fields)
    parser.add_plugin(FieldAliasPlugin(ALIASES))
    parser.add_plugin(FuzzyTermPlugin())
    return parser


def _repeats_weighed(q: wq.Query) -> wq.Query:
    """A word given n times counts n times (BM25's query term frequency: a pasted paragraph's
    repeated words are its subject), where Whoosh's normalising would keep it once."""
    q = q.apply(_repeats_weighed)
    if type(q) not in (wq.Or, wq.And):
        return q
    merged: dict[wq.Query, wq.Query] = {}
    for sub in q.subqueries:
        key = sub.with_boost(1.0)
        merged[key] = merged[key].with_boost(merged[key].boost + sub.boost) if key in merged else sub
    return type(q)(list(merged.values()), boost=q.boost)


def parse(text: str, parser: QueryParser) -> wq.Query:
    """A Whoosh query for the user's text; the empty query (or only stars) matches every article."""
    text = text.strip()
    if not text.strip("*"):
        return wq.Every()
    prepared = prepare_query(text)
    try:
        return _repeats_weighed(parser.parse(prepared, normalize=False)).normalize()
    except Exception as exc:  # Whoosh's parser raises what its nodes raise; the user gets one line
        raise QueryError(f"query {text!r}: cannot be read ({type(exc).__name__}: {exc})") from None


class Compiler:
    """Whoosh query -> plan, for one index generation (its reader gives the expansions)."""

    def __init__(self, reader: Any, schema: Any, text: str, resolve: Resolve, facet_fields: set[str]):
        self.reader, self.schema, self.text = reader, schema, text
        self.resolve, self.facet_fields = resolve, facet_fields

    def term(self, field: str, text: str | bytes, boost: float = 1.0) -> plan.Term:
        btext = text if isinstance(text, bytes) else self.schema[field].to_bytes(text)
        return plan.Term(field, btext, self.schema[field].from_bytes(btext), boost)

    def compile(self, q: wq.Query) -> plan.Node:
        if isinstance(q, wq.Every):
            return plan.Everything(q.boost)
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return plan.Nothing()
        if isinstance(q, wq.Term):
            if q.fieldname in self.facet_fields and isinstance(q.text, str):
                spellings = self.resolve(q.fieldname, q.text)
                if spellings and spellings != [q.text]:
                    return self._any([self.term(q.fieldname, s, q.boost) for s in spellings])
            return self.term(q.fieldname, q.text, q.boost)
        if isinstance(q, CombinedFields):
            if q.terms_only():
                words = tuple(self.term(s.fieldname, s.text, s.boost) for s in q.subqueries)
                return plan.Fields(words, q.boost)
            return self.compile(wq.Or(q.subqueries, boost=q.boost))
        if isinstance(q, wq.DateRange) and q.fieldname == "date":
            first = local_day(q.startdate) if q.startdate else None
            last = local_day(q.enddate) if q.enddate else None
            return plan.Days(first, last, q.boost)
        if isinstance(q, wq.MultiTerm) and not isinstance(q, wq.NumericRange):
            return self._expansion(q)
        if isinstance(q, wq.Phrase) and q.slop == 1 and self.schema[q.fieldname].format.supports("positions"):
            return plan.Phrase(q.fieldname, tuple(self.term(q.fieldname, w) for w in q.words), q.boost)
        if isinstance(q, wq.Not):
            return plan.Not(self.compile(q.query))
        if isinstance(q, wq.AndNot):
            return plan.AndNot(self.compile(q.a), self.compile(q.b))
        if isinstance(q, wq.AndMaybe):
            return plan.AndMaybe(self.compile(q.a), self.compile(q.b))
        plain_or = isinstance(q, wq.Or) and not q.minmatch and not q.scale
        if plain_or or type(q) is wq.And:
            children = tuple(self.compile(child) for child in q.subqueries)
            if not children:
                return plan.Nothing()
            if len(children) == 1:  # Whoosh too answers a lone child without its wrapper
                return children[0]
            return plan.Or(children, q.boost) if plain_or else plan.And(children, q.boost)
        terms = tuple((name, text if isinstance(text, bytes) else self.schema[name].to_bytes(text))
                      for name, text in q.iter_all_terms() if name in self.schema)
        slop = f"~{q.slop}" if isinstance(q, wq.Phrase) else ""
        return plan.Fallback(q, f"{q}{slop}", terms)

    def _any(self, terms: list[plan.Term]) -> plan.Node:
        return terms[0] if len(terms) == 1 else plan.Or(tuple(terms))

    def _expansion(self, q: wq.MultiTerm) -> plan.Node:
        words: list[plan.Term] = []
        for _, btext in q.expanded_terms(self.reader):
            words.append(self.term(q.fieldname, btext))
            if len(words) > MAX_EXPANSIONS:
                raise QueryError(f"query {self.text!r}: {q} stands for more than {MAX_EXPANSIONS:,} words: "
                                 "make it more specific")
        if not words:
            return plan.Nothing()
        return plan.Expansion(str(q), tuple(words), q.boost)

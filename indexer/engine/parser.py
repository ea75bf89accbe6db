"""Whoosh's query language, parsed by Whoosh and compiled once into Dateline's plan (search/plan.py).

Parsing is Whoosh's parser with one plugin of Dateline's (CheckedSyntax), which checks the query as
Whoosh tagged it, so that a mistake is one line naming where it is rather than silent words.
Compiling reads what the query's wildcards, prefixes, fuzzy terms and ranges stand for once, here,
bounded, so that no later step (matching, scoring, highlighting) expands them again; and it turns
facet values typed in any case into their indexed spelling (agency:reuters finds Reuters).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from whoosh import query as wq
from whoosh.qparser import (
    FieldAliasPlugin,
    FuzzyTermPlugin,
    GroupPlugin,
    MultifieldPlugin,
    PhrasePlugin,
    Plugin,
    QueryParser,
    WildcardPlugin,
    syntax,
)
from whoosh.qparser.taggers import RegexTagger
from whoosh.util.times import long_to_datetime

from dateline.errors import QueryError
from dateline.indexer.engine.combined import CombinedFields
from dateline.indexer.fields import ALIASES, TEXT_FIELDS, local_day
from dateline.search import plan
from dateline.search.query import (
    MAX_DEPTH,
    check_date,
    check_date_range,
    check_field_name,
    check_fuzzy,
    check_text,
)

MAX_EXPANSIONS = 4096    # words one wildcard, prefix or fuzzy term may stand for
Resolve = Callable[[str, str], list[str]]  # (field, value) -> the value's indexed spellings


class WordFields(syntax.GroupNode):
    """One unfielded word searched in every text field, scored once over them (BM25F: combined.py).
    Whoosh's own multifield group is an OR group, which the OR operator then merges into:
    `oil^2 OR price` became one OR boosted twice, price included. A group of its own kind is left
    alone."""

    merging = False
    qclass = CombinedFields


class _Tagger(RegexTagger):
    """A tagger whose node is made by a function of the match."""

    def __init__(self, expr: str, create: Callable[[re.Match], syntax.SyntaxNode]):
        super().__init__(expr)
        self._create = create

    def create(self, parser: QueryParser, match: re.Match) -> syntax.SyntaxNode:
        return self._create(match)


def _is_not(node: syntax.SyntaxNode) -> bool:
    return isinstance(node, syntax.PrefixOperator) and node.grouptype is syntax.NotGroup


class CheckedSyntax(Plugin):
    """Dateline's reading of the query language, inside Whoosh's parser.

    Taggers: numbers with colons are text (`15:01`, `ratio 3:1`, read as a phrase, not a field),
    Lucene's `-word` excludes and `+word` requires (as every word already is). A filter run on the
    tagged nodes, before any of Whoosh's own filters groups them or resolves fields, reports what
    Whoosh would silently turn into words (unbalanced brackets and quotes, unknown fields, fields
    without a value, bad dates, wide fuzzy distances, wildcards with no letters) and lower-cases
    field names; a last filter folds `NOT NOT`, on which Whoosh's operators fail."""

    def taggers(self, parser: QueryParser) -> list:
        return [
            (_Tagger(r"(?<![\w\\:])\d+(?::\d+)+(?![\w:])",
                     lambda m: PhrasePlugin.PhraseNode(m.group(), m.start(), 1)), -10),
            (_Tagger(r"(?:^|(?<=[\s(]))-(?=[\w\"(])",
                     lambda m: syntax.PrefixOperator("-", syntax.NotGroup)), -10),
            (_Tagger(r"(?:^|(?<=[\s(]))\+(?=[\w\"(])", lambda m: syntax.Whitespace()), -10),
        ]

    def filters(self, parser: QueryParser) -> list:
        return [(self.check, -10), (self.fold_nots, 590)]

    def check(self, parser: QueryParser, group: syntax.GroupNode) -> syntax.GroupNode:
        nodes = list(group)  # flat: nothing is grouped yet
        _check_quotes(nodes)
        _check_brackets(nodes)
        for i, node in enumerate(nodes):
            following = nodes[i + 1] if i + 1 < len(nodes) else None
            column = node.startchar + 1
            if isinstance(node, syntax.FieldnameNode):
                check_field_name(node.fieldname, column)
                if following is None or following.is_ws():
                    raise QueryError(f"field {node.fieldname!r} at column {column} has no value")
                node.fieldname = node.fieldname.lower()
                if node.fieldname == "date":
                    _check_date_value(following)
            elif isinstance(node, FuzzyTermPlugin.FuzzinessNode):
                digits = node.original[1:].split("/")[0]
                if digits and isinstance(following, syntax.WordNode):  # ~99: Whoosh tags one digit
                    digits += re.match(r"\d*", following.text).group()  # type: ignore[union-attr]
                check_fuzzy(int(digits or 1), column)
            elif isinstance(node, WildcardPlugin.WildcardNode):
                _check_wildcards(nodes, i)
        return group

    def fold_nots(self, parser: QueryParser, group: syntax.GroupNode) -> syntax.GroupNode:
        folded = group.empty_copy()
        for node in group:
            if isinstance(node, syntax.GroupNode):
                node = self.fold_nots(parser, node)
            if _is_not(node) and len(folded) and _is_not(folded[-1]):
                del folded[-1]
            else:
                folded.append(node)
        return folded


def _check_quotes(nodes: list) -> None:
    for node in nodes:
        if isinstance(node, syntax.WordNode) and '"' in node.text:
            column = node.startchar + node.text.index('"') + 1
            raise QueryError(f"unclosed quote at column {column}")


def _check_brackets(nodes: list) -> None:
    """Parentheses as Whoosh tagged them, range brackets left in words (a whole range is tagged)."""
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[tuple[str, int]] = []
    for node in nodes:
        if isinstance(node, GroupPlugin.OpenBracket | GroupPlugin.CloseBracket):
            chars = [("(" if isinstance(node, GroupPlugin.OpenBracket) else ")", node.startchar + 1)]
        elif isinstance(node, syntax.WordNode):
            chars = [(c, node.startchar + n + 1) for n, c in enumerate(node.text) if c in "()[]{}"]
        else:
            continue
        for char, column in chars:
            if char in "([{":
                stack.append((char, column))
                if len(stack) > MAX_DEPTH:
                    raise QueryError(f"brackets nested more than {MAX_DEPTH} deep at column {column}")
            elif stack and (char, stack[-1][0]) in (("]", "{"), ("}", "[")):
                stack.pop()  # Whoosh allows mixed range brackets: [a TO b}
            elif not stack or stack[-1][0] != pairs[char]:
                raise QueryError(f"unmatched {char!r} at column {column}")
            else:
                stack.pop()
    if stack:
        char, column = stack[-1]
        raise QueryError(f"unclosed {char!r} at column {column}")


def _check_date_value(node: syntax.SyntaxNode) -> None:
    column = node.startchar + 1
    if isinstance(node, syntax.RangeNode):
        node.start = (node.start or "").strip() or None  # date:[ TO 2021]: an open start
        node.end = (node.end or "").strip() or None
        check_date_range(node.start, node.end, column)
    elif isinstance(node, syntax.WordNode):
        if node.text.startswith(("[", "{")):  # brackets with no TO: Whoosh did not tag a range
            check_date_range(None, None, column)
        check_date(node.text, column)


def _check_wildcards(nodes: list, i: int) -> None:
    """A run of `*` and `?` standing alone stands for every word (`title:*` is every titled one)."""
    wild = WildcardPlugin.WildcardNode
    if i and isinstance(nodes[i - 1], wild):
        return  # inside a run already checked
    end = i
    while end < len(nodes) and isinstance(nodes[end], wild):
        end += 1
    run = "".join(n.text for n in nodes[i:end])
    before = nodes[i - 1] if i else None
    after = nodes[end] if end < len(nodes) else None
    lettered = (isinstance(before, syntax.FieldnameNode)
                or isinstance(before, syntax.WordNode) and re.search(r"\w$", before.text)
                or isinstance(after, syntax.WordNode) and re.match(r"\w", after.text))
    if not lettered and not run.strip("*?"):
        raise QueryError(f"{run!r} at column {nodes[i].startchar + 1} stands for every word; give it some "
                         "letters (oil*), or search for nothing to list every article")


def make_parser(schema: Any, ranking: plan.Ranking) -> QueryParser:
    """Whoosh's parser with Dateline's plugins; an unfielded word is searched in every text field,
    each field weighted as the ranking says (BM25F's field weights)."""
    parser = QueryParser(None, schema)
    fields = MultifieldPlugin(list(TEXT_FIELDS), fieldboosts=ranking.field_weights(), group=WordFields)
    parser.add_plugin(CheckedSyntax())
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
    check_text(text)
    try:
        return _repeats_weighed(parser.parse(text, normalize=False)).normalize()
    except QueryError as mistake:
        shown = repr(text) if len(text) <= 200 else f"{text[:60]!r}…"
        raise QueryError(f"query {shown}: {mistake}") from None
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
        if isinstance(q, wq.NumericRange) and q.fieldname == "date":  # date:[… TO …], and date:2021-05
            first = local_day(long_to_datetime(q.start)) if q.start is not None else None
            last = local_day(long_to_datetime(q.end)) if q.end is not None else None
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

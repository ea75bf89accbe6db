"""Keyword in context: every occurrence of a query's words in the matching articles, with the words
around it, as corpus linguists read a concordance (AntConc, Sketch Engine)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from dateline.indexer.fields import TEXT_FIELDS
from dateline.search.plan import Fallback, Node, Phrase, Term


@dataclass(frozen=True)
class Concordance:
    """One occurrence: the article, the words before it, the keyword as written, the words after."""

    id: str
    published: str | None
    title: str
    left: str
    keyword: str
    right: str


@dataclass(frozen=True)
class Keywords:
    """What a plan looks for in the text: single indexed words, and phrases as sequences of them."""

    words: frozenset[str]
    phrases: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, plan: Node) -> Keywords:
        phrases = [node for node in plan.sought() if isinstance(node, Phrase) and node.field in TEXT_FIELDS]
        in_phrases = {id(word) for phrase in phrases for word in phrase.words}
        words = {node.word for node in plan.sought()
                 if isinstance(node, Term) and node.field in TEXT_FIELDS and id(node) not in in_phrases}
        for fallback in (node for node in plan.sought() if isinstance(node, Fallback)):
            words.update(text.decode("utf-8") for name, text in fallback.terms if name in TEXT_FIELDS)
        return cls(frozenset(words), tuple(sorted({tuple(w.word for w in p.words) for p in phrases},
                                                  key=len, reverse=True)))


def occurrences(text: str, keywords: Keywords, indexed: Callable[[str], str | None], word: re.Pattern,
                width: int) -> Iterator[tuple[str, str, str]]:
    """(left, keyword, right) for each occurrence in a text; `indexed` gives a word's indexed form
    (None for a stop word), so 'prices' finds 'price' and a phrase skips stop words as the index does."""
    spans = [(m.start(), m.end(), indexed(m.group())) for m in word.finditer(text)]
    content = [n for n, span in enumerate(spans) if span[2] is not None]
    position = 0
    while position < len(content):
        first = content[position]
        length = next((len(p) for p in keywords.phrases
                       if tuple(spans[n][2] for n in content[position:position + len(p)]) == p), 0)
        if not length and spans[first][2] in keywords.words:
            length = 1
        if not length:
            position += 1
            continue
        last = content[position + length - 1]
        start, end = spans[first][0], spans[last][1]
        left_from = spans[max(0, first - width)][0]
        right_to = spans[min(len(spans) - 1, last + width)][1]
        yield (" ".join(text[left_from:start].split()), " ".join(text[start:end].split()),
               " ".join(text[end:right_to].split()))
        position += length

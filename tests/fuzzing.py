"""Hypothesis strategies shared by the fuzz suite (tests/test_fuzz.py) and its long run (bench/fuzz.py)."""

from __future__ import annotations

from hypothesis import strategies as st

WORDS = ["oil", "cocoa", "prices", "brazil", "said", "the", "ایران", "ايران", "خبرگزاری", "tehran", "volcker",
         "opec", "1987", "15:01", "3:1", "co\ufeffcoa", "ایران؟", "a" * 300]
FIELDS = ["title", "body", "agency", "license", "lang", "language", "dateline", "place", "topic", "person", "year",
          "month", "date", "id", "reprint", "Title", "PLACE", "nosuch", "15"]
DATES = ["1987", "1987-03", "1987-03-31", "1987-13-01", "1987-02-30", "", "9999-12-31", "0000", "x"]


def _range(draw) -> str:
    opening, closing = draw(st.sampled_from("[{")), draw(st.sampled_from("]}"))
    return f"{opening}{draw(st.sampled_from(DATES))} {draw(st.sampled_from(['TO', 'to', '']))} " \
           f"{draw(st.sampled_from(DATES))}{closing}"


@st.composite
def _term(draw) -> str:
    kind = draw(st.integers(0, 7))
    word = draw(st.sampled_from(WORDS))
    if kind == 1:
        return f"{draw(st.sampled_from(FIELDS))}:{word}"
    if kind == 2:
        return f'"{word} {draw(st.sampled_from(WORDS))}"' + draw(st.sampled_from(["", "~2", "~99999"]))
    if kind == 3:
        return word[: draw(st.integers(0, 3))] + draw(st.sampled_from(["*", "?", "**", "*?*"]))
    if kind == 4:
        return word + draw(st.sampled_from(["~", "~1", "~2", "~3", "~999999999999", "^2", "^-1", "^0"]))
    if kind == 5:
        return f"{draw(st.sampled_from(['date', 'year', '']))}:{_range(draw)}".lstrip(":")
    if kind == 6:
        return draw(st.text(max_size=12))
    return word


@st.composite
def _expression(draw, depth: int = 0) -> str:
    if depth > 3 or draw(st.booleans()):
        return draw(_term())
    left, right = draw(_expression(depth + 1)), draw(_expression(depth + 1))
    shape = draw(st.integers(0, 4))
    if shape == 0:
        return f"{left} {draw(st.sampled_from(['AND', 'OR', 'AND NOT', 'ANDNOT', 'ANDMAYBE']))} {right}"
    if shape == 1:
        return f"({left} {right})"
    if shape == 2:
        return f"{'NOT ' * draw(st.integers(1, 4))}{left}"
    if shape == 3:
        return f"-{left} +{right}"
    return f"{left} {right}"


def queries() -> st.SearchStrategy[str]:
    """Queries from the query language's grammar, with its edge cases, mixed with random text."""
    nested = st.integers(1, 3000).map(lambda n: "(" * n + "oil" + ")" * n)
    return st.one_of(_expression(), st.text(max_size=40), nested,
                     st.text(alphabet=st.sampled_from('()[]{}":*?~^+-\\ '), max_size=30))


def mutated(data: bytes) -> st.SearchStrategy[bytes]:
    """A real file cut short, with bytes flipped, or with a slice repeated or removed."""
    size = len(data)
    cut = st.integers(0, size).map(lambda n: data[:n])
    flips = st.lists(st.tuples(st.integers(0, max(size - 1, 0)), st.integers(0, 255)), min_size=1, max_size=30)

    def flip(changes: list[tuple[int, int]]) -> bytes:
        out = bytearray(data)
        for at, value in changes:
            out[at] = value
        return bytes(out)

    spans = st.tuples(st.integers(0, size), st.integers(0, size)).map(sorted)
    removed = spans.map(lambda span: data[:span[0]] + data[span[1]:])
    repeated = spans.map(lambda span: data[:span[1]] + data[span[0]:])
    return st.one_of(cut, flips.map(flip), removed, repeated)

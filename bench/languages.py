"""How often Dateline names an article's language right, on the articles of ../shared whose language
is known, beside py3langid (what Dateline used before 2026-12-05) when it is installed.

    python bench/languages.py            # pip install py3langid to print its row too

Reuters-21578 is English (the reader knows it; here every article is identified from its text as a
record without a language would be), the Fars News copy Persian, and each saved feed in the
language of its outlet (the table in data/feeds/README.md). Prints one Markdown table: the share
named right per source, and the time an article.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
FEED_LANGUAGES = {"guardian": "en", "techcrunch": "en", "nyt": "en", "daringfireball": "en", "tpm": "en",
                  "science": "en", "livemint": "en", "washingtonpost": "en", "nbcnewyork": "en",
                  "heise": "de", "golem": "de", "jn": "pt", "uol": "pt", "infomed": "he",
                  "naftemporiki": "el", "oren": "ru", "aktuality": "sk", "ilmessaggero": "it"}

Labelled = tuple[str, str, str]  # source, language, text


def labelled_articles() -> list[Labelled]:
    from dateline.corpus import Article, read_sources

    def texts(path: Path) -> list[str]:
        return [f"{item.title}\n{item.lead or ''}\n{item.body}" for item in read_sources([path])
                if isinstance(item, Article)]

    articles = [("Reuters-21578", "en", text) for text in texts(DATA / "reuters21578")]
    articles += [("Fars News", "fa", text) for text in texts(DATA / "fars-news")]
    for feed in sorted((DATA / "feeds").iterdir()):
        if feed.suffix != ".md":
            language = FEED_LANGUAGES[feed.name.split("-")[0]]
            articles += [(f"feeds ({language})", language, text) for text in texts(feed)]
    return articles


def py3langid_detector() -> Callable[[str], str | None] | None:
    """Dateline's detect_language as it was with py3langid (1,000 characters), if it is installed."""
    try:
        import py3langid
    except ImportError:
        return None
    from dateline.corpus.language import _MIN_LETTERS, _PERSIAN_FORMS

    def detect(text: str) -> str | None:
        sample = text[:1000]
        if sum(ch.isalpha() for ch in sample) < _MIN_LETTERS:
            return None
        return str(py3langid.classify(sample.translate(_PERSIAN_FORMS))[0])
    return detect


def main() -> None:
    from dateline.corpus.language import detect_language

    articles = labelled_articles()
    sources = list(dict.fromkeys(source for source, _, _ in articles))
    detectors: dict[str, Callable[[str], str | None]] = {"dateline (fastText lid.176.ftz)": detect_language}
    if (old := py3langid_detector()) is not None:
        detectors["py3langid"] = old
    print("| detector | " + " | ".join(f"{source} ({sum(s == source for s, _, _ in articles)})"
                                       for source in sources) + " | µs an article |")
    print("|---" * (len(sources) + 2) + "|")
    for name, detect in detectors.items():
        detect(articles[0][2])  # its model loaded
        started = time.perf_counter()
        found = [detect(text) for _, _, text in articles]
        micros = (time.perf_counter() - started) / len(articles) * 1e6
        right = [(source, got == language)
                 for (source, language, _), got in zip(articles, found, strict=True)]
        shares = [sum(ok for s, ok in right if s == source) / sum(s == source for s, _ in right)
                  for source in sources]
        print(f"| {name} | " + " | ".join(f"{share:.3f}" for share in shares) + f" | {micros:.0f} |")


if __name__ == "__main__":
    main()

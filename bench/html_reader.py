"""How well Dateline reads saved web pages, beside trafilatura and htmldate on the same pages.

    python bench/html_reader.py [--only NAME] [--misses]

Reads the labelled pages of ../shared/data/html-dev (trafilatura's and htmldate's evaluation pages;
see its README for how they are scored) under neutral file names, so nothing but the HTML tells a
reader about a page. Scores main text by segment hits, the publication day, and titles, and prints
one Markdown table. trafilatura and htmldate were tuned on these pages: their figures here are
in-sample and optimistic.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HTML_DEV = ROOT.parent / "shared" / "data" / "html-dev"
INGESTED = datetime(2026, 1, 1, tzinfo=timezone.utc)


@dataclass
class Reading:
    """What one reader made of one page: main text, day (page's own offset) and title, or nothing."""

    text: str | None
    day: str | None
    title: str | None


@dataclass
class Page:
    name: str
    html: bytes
    label: dict


def pages() -> list[Page]:
    found = []
    for subset in ("trafilatura-dev", "htmldate-dev"):
        for label in json.loads((HTML_DEV / subset / "labels.json").read_text()):
            html = gzip.decompress((HTML_DEV / subset / "pages" / label["page"]).read_bytes())
            found.append(Page(f"p{len(found) + 1:04d}.html", html, label))
    return found


def read_dateline(page: Page) -> Reading:
    from dateline.corpus.readers.html import READER

    for item in READER.read(Path(page.name), page.html, INGESTED):
        if isinstance(item, Exception):
            return Reading(None, None, None)
        day = item.published.date().isoformat() if item.published else None
        return Reading(item.body, day, item.title)
    return Reading(None, None, None)


def read_peers(page: Page) -> Reading:
    """trafilatura for text and title, htmldate (as trafilatura and its users call it) for the day."""
    import trafilatura
    from htmldate import find_date

    document = trafilatura.bare_extraction(page.html, with_metadata=True)
    text = document.text if document else None
    title = document.title if document else None
    return Reading(text, find_date(page.html, original_date=True), title)


READERS: dict[str, Callable[[Page], Reading]] = {"Dateline": read_dateline,
                                                 "trafilatura / htmldate": read_peers}


def _spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())


def _token_f1(found: str, wanted: str) -> float:
    a, b = Counter(_words(found)), Counter(_words(wanted))
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def score(readings: list[tuple[Page, Reading]]) -> dict[str, float]:
    """The measures of ../shared/data/html-dev/README.md, as fractions (counts where named so)."""
    tp = fp = fn = tn = unread = 0
    right = wrong = missing = off_by_one = dated = 0
    titles = exact = normalised = 0
    title_f1 = 0.0
    for page, reading in readings:
        label = page.label
        text = _spaces(reading.text or "")
        unread += not text
        for segment in label.get("with", []):
            found = bool(text) and _spaces(segment) in text
            tp, fn = tp + found, fn + (not found)
        for segment in label.get("without", []):
            found = bool(text) and _spaces(segment) in text
            fp, tn = fp + found, tn + (not found)
        if label.get("date"):
            dated += 1
            if reading.day is None:
                missing += 1
            elif reading.day[:10] == label["date"]:
                right += 1
            else:
                wrong += 1
                try:
                    gap = abs((date.fromisoformat(reading.day[:10]) - date.fromisoformat(label["date"])).days)
                except ValueError:
                    gap = 0
                off_by_one += gap == 1
        if label.get("title"):
            titles += 1
            found_title = reading.title or ""
            exact += _spaces(found_title) == _spaces(label["title"])
            normalised += _words(found_title) == _words(label["title"])
            title_f1 += _token_f1(found_title, label["title"])
    return {
        "main text F1 (segments)": 2 * tp / (2 * tp + fp + fn),
        "main text precision": tp / max(tp + fp, 1),
        "main text recall": tp / max(tp + fn, 1),
        "pages read as nothing (count)": unread,
        "day right, of dated pages": right / dated,
        "day right, when a day is given": right / max(right + wrong, 1),
        "no day given": missing / dated,
        "off by exactly one day (count)": off_by_one,
        "title exact": exact / titles,
        "title normalised": normalised / titles,
        "title token F1": title_f1 / titles,
    }


def evaluate(names: list[str] | None = None, misses: bool = False) -> dict[str, dict[str, float]]:
    """Each reader's measures on every labelled page; `misses` lists Dateline's wrong days and texts."""
    warnings.simplefilter("ignore")
    found = pages()
    results = {}
    for name in names or list(READERS):
        readings = [(page, READERS[name](page)) for page in found]
        results[name] = score(readings)
        if misses and name == "Dateline":
            for page, reading in readings:
                label = page.label
                if label.get("date") and (reading.day or "")[:10] != label["date"]:
                    print(f"date {page.name} {label['page'][:12]} want {label['date']} got {reading.day}")
                text = _spaces(reading.text or "")
                lost = [s for s in label.get("with", []) if _spaces(s) not in text]
                leaked = [s for s in label.get("without", []) if text and _spaces(s) in text]
                if lost or leaked:
                    print(f"text {page.name} {label['page'][:12]} lost {lost} leaked {leaked}")
    return results


def _cell(measure: str, value: float) -> str:
    if measure.endswith("(count)"):
        return f"{value:.0f}"
    return f"{value:.3f}" if "F1" in measure or measure.startswith("main") else f"{value:.1%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(READERS), help="score one reader")
    parser.add_argument("--misses", action="store_true", help="list Dateline's date and text misses")
    args = parser.parse_args()
    results = evaluate([args.only] if args.only else None, args.misses)
    names = list(results)
    print("460 labelled pages of ../shared/data/html-dev (trafilatura-dev 250, htmldate-dev 210; "
          "388 dated, 212 titled)\n")
    print("| measure | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for measure in results[names[0]]:
        print(f"| {measure} | " + " | ".join(_cell(measure, results[name][measure]) for name in names) + " |")


if __name__ == "__main__":
    main()

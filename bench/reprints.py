"""How trustworthy the reprint groups of an index are, by proxies that need no labels.

    python bench/reprints.py [--index DIR]    # default: indexes Reuters-21578 (../shared) into a temp folder

Reuters-21578 has no reprint labels. Two proxies stand in: a group whose copies all carry the same
headline and were filed on the same day is most likely one story (the "same story" share, a floor
for precision); a group whose copies name different tickers, or span several days, most likely
joins different stories (the "suspect" groups). Printed for the index given.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REUTERS = ROOT.parent / "shared" / "data" / "reuters21578"
TICKER = re.compile(r"<([A-Z][A-Z.]*)>")


def report(index: Path) -> dict[str, int]:
    from dateline.search.archive import Archive

    with Archive(index) as archive:
        total, groups = archive.reprint_groups(limit=None)
        articles = same_story = several_days = several_tickers = 0
        for group in groups:
            copies = archive.reprints(group.group)
            articles += len(copies)
            titles = {c.title.strip().upper() for c in copies}
            days = {c.published.date() if c.published else None for c in copies}
            tickers = {frozenset(TICKER.findall(f"{c.title} {c.body}")) for c in copies}
            same_story += len(titles) == 1 and len(days) == 1
            several_days += len(days) > 1
            several_tickers += len(tickers) > 1
    return {"groups": total, "articles in groups": articles, "same headline, same day": same_story,
            "spanning several days": several_days, "with different tickers": several_tickers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, help="an index to report on (default: Reuters, indexed now)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        index = args.index
        if index is None:
            index = Path(tmp) / "index"
            subprocess.run([sys.executable, "-m", "dateline", "index", str(REUTERS), "--index", str(index)],
                           check=True, capture_output=True)
        figures = report(index)
    print("| measure | count |\n|---|---|")
    for name, value in figures.items():
        print(f"| {name} | {value} |")
    share = figures["same headline, same day"] / figures["groups"]
    print(f"same-story share (a floor for precision): {share:.2f}")


if __name__ == "__main__":
    main()

"""Index, search and site benchmarks: Dateline beside SQLite FTS5 and tantivy, same articles, one run.

    python bench/run.py            # Reuters-21578 (../shared) and a generated 100,000-article corpus
    python bench/run.py --quick    # small sizes, as the test suite runs it
    python bench/run.py --generated 1000000 --no-reuters   # the million-article run alone
    python bench/run.py --spark    # indexing only: the local indexer beside Spark local[1] and local[2]

Each engine indexes in its own subprocess, so peak memory (ru_maxrss) is its own. Dateline's figure is
end to end (reading and normalising the source files too); the peers index the articles Dateline read,
exported from its index. Query latency is measured on a warm index: median and p95 over repeated
runs of each query kind (the first run of each query, with cold caches, is printed on its own line).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REUTERS = Path(os.environ.get("DATELINE_SHARED", ROOT.parent / "shared")) / "data" / "reuters21578"
QUERIES = {"term": "oil", "phrase": '"oil prices"', "boolean": "oil AND NOT gas", "3-facet": "oil"}
FACETS = ["agency", "place", "year"]

# -- corpora -------------------------------------------------------------------------------------

AGENCIES = ["Reuters", "Associated Press", "Agence France-Presse", "Mehr News Agency", "Xinhua",
            "Anadolu Agency"]
LICENSES = ["CC-BY-4.0", "LicenseRef-proprietary", "CC-BY-SA-4.0"]
PLACES = ["usa", "uk", "iran", "china", "turkey", "france", "brazil", "japan", "india", "egypt"]
DATELINES = ["NEW YORK", "LONDON", "TEHRAN", "BEIJING", "ANKARA", "PARIS", "BRASILIA", "TOKYO", "DELHI",
             "CAIRO"]


def generated_corpus(path: Path, count: int, seed: int = 1987) -> None:
    """A realistic synthetic corpus: Zipfian vocabulary, agencies, licenses, dates over years, reprints."""
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ra", "ten", "sor", "vel", "dan", "ex", "qu", "or", "il", "pri", "ces",
                 "gas", "oil"]
    words = ("".join(rng.choice(syllables) for _ in range(rng.randint(1, 3))) for _ in range(30000))
    vocabulary = sorted(set(words))
    vocabulary = ["oil", "prices", "gas", "said", "market", "government"] + vocabulary
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    start = datetime(2015, 1, 1, tzinfo=timezone.utc)
    previous: list[dict] = []
    with path.open("w") as out:
        for number in range(count):
            if previous and rng.random() < 0.05:  # a reprint: another agency runs a lightly edited copy
                record = dict(rng.choice(previous))
                words = record["body"].split()
                del words[rng.randrange(len(words))]
                record.update(id=f"g{number}", body=" ".join(words), agency=rng.choice(AGENCIES))
            else:
                place = rng.randrange(len(PLACES))
                words = rng.choices(vocabulary, weights, k=rng.randint(80, 400))
                record = {
                    "id": f"g{number}", "title": " ".join(words[:8]).capitalize(),
                    "body": f"{DATELINES[place]} - " + " ".join(words) + ".",
                    "agency": rng.choice(AGENCIES), "license": rng.choice(LICENSES),
                    "places": [PLACES[place]],
                    "published": (start + timedelta(minutes=rng.randrange(10 * 365 * 24 * 60))).isoformat(),
                }
                previous = (previous + [record])[-200:]
            out.write(json.dumps(record) + "\n")


def export_articles(index: Path, path: Path) -> int:
    """The articles Dateline read into its index, as JSON Lines, for the peers to index; how many.
    Exported from the index rather than read again: reading takes about 2 ms of CPU an article, so
    one reading process would add half an hour to a million-article run."""
    from dateline.search import Archive
    count = 0
    with Archive(index) as archive, path.open("w") as out:
        for article, _group in archive.export():
            out.write(json.dumps(article.to_dict()) + "\n")
            count += 1
    return count


def read_articles(path: Path) -> Iterator[dict]:
    """One article at a time, so a peer's peak memory is its own, not the corpus's."""
    with path.open() as lines:
        for line in lines:
            yield json.loads(line)


# -- engines ---------------------------------------------------------------------------------------

def dateline_index(sources: list[str], folder: Path, articles: Iterable[dict]) -> None:
    from dateline.indexer import index_sources
    index_sources(sources, folder)


def dateline_queries(folder: Path):
    from dateline.search import Archive
    archive = Archive(folder)
    return lambda kind, q: archive.search(q, facets=FACETS if kind == "3-facet" else (), limit=10).total


def sqlite_index(sources: list[str], folder: Path, articles: Iterable[dict]) -> None:
    folder.mkdir(parents=True)
    db = sqlite3.connect(folder / "fts.db")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body)")
    db.execute("CREATE TABLE meta (rowid INTEGER PRIMARY KEY, agency TEXT, year TEXT)")
    db.execute("CREATE TABLE places (rowid INTEGER, place TEXT)")
    for rowid, a in enumerate(articles, start=1):
        db.execute("INSERT INTO docs (rowid, title, body) VALUES (?, ?, ?)", (rowid, a["title"], a["body"]))
        year = (a["published"] or "unknown")[:4]
        db.execute("INSERT INTO meta VALUES (?, ?, ?)", (rowid, a["agency"], year))
        db.executemany("INSERT INTO places VALUES (?, ?)", [(rowid, p) for p in a["places"]])
    db.execute("CREATE INDEX places_rowid ON places (rowid)")
    db.commit()
    db.close()


def sqlite_queries(folder: Path):
    db = sqlite3.connect(folder / "fts.db")
    fts = {"term": "oil", "phrase": '"oil prices"', "boolean": "oil NOT gas", "3-facet": "oil"}

    def run(kind: str, q: str) -> int:
        match = fts[kind]
        db.execute("SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT 10",
                   (match,)).fetchall()
        total = db.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()[0]
        if kind == "3-facet":
            hits = "SELECT rowid FROM docs WHERE docs MATCH ?"
            db.execute(f"SELECT agency, count(*) FROM meta WHERE rowid IN ({hits}) GROUP BY agency",
                       (match,)).fetchall()
            db.execute(f"SELECT year, count(*) FROM meta WHERE rowid IN ({hits}) GROUP BY year",
                       (match,)).fetchall()
            db.execute(f"SELECT place, count(*) FROM places WHERE rowid IN ({hits}) GROUP BY place",
                       (match,)).fetchall()
        return total
    return run


def tantivy_index(sources: list[str], folder: Path, articles: Iterable[dict]) -> None:
    import tantivy
    folder.mkdir(parents=True)
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("title", stored=False, tokenizer_name="en_stem")
    builder.add_text_field("body", stored=False, tokenizer_name="en_stem")
    for name in FACETS:
        builder.add_text_field(name, stored=False, fast=True, tokenizer_name="raw")
    index = tantivy.Index(builder.build(), path=str(folder))
    writer = index.writer(heap_size=200_000_000, num_threads=2)
    for a in articles:
        writer.add_document(tantivy.Document(
            title=a["title"], body=a["body"], agency=a["agency"] or "unknown",
            place=list(a["places"]) or ["none"], year=(a["published"] or "unknown")[:4]))
    writer.commit()
    writer.wait_merging_threads()


def tantivy_queries(folder: Path):
    import tantivy
    index = tantivy.Index.open(str(folder))
    index.reload()
    searcher = index.searcher()
    aggregation = {name: {"terms": {"field": name, "size": 10}} for name in FACETS}

    syntax = {"boolean": "+oil -gas"}  # tantivy's parser has no AND NOT

    def run(kind: str, q: str) -> int:
        query = index.parse_query(syntax.get(kind, q), ["title", "body"])
        result = searcher.search(query, 10, count=True)
        if kind == "3-facet":
            searcher.aggregate(query, aggregation)
        return result.count
    return run


ENGINES = {
    "dateline": (dateline_index, dateline_queries),
    "sqlite-fts5": (sqlite_index, sqlite_queries),
    "tantivy": (tantivy_index, tantivy_queries),
}


def folder_size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def peak_mb() -> float:
    """The peak resident memory of this process or of the largest of its children, in MB. VmHWM starts
    afresh at exec, unlike ru_maxrss, which would count the parent's memory at the fork."""
    with open("/proc/self/status") as status:
        own = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    return max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def worker(engine: str, sources: list[str], articles_file: Path, folder: Path, repeats: int) -> dict:
    """Runs in a subprocess: index, then time queries on the warm index; reports its own peak memory."""
    build, open_queries = ENGINES[engine]
    started = time.perf_counter()
    build(sources, folder, read_articles(articles_file))
    seconds = time.perf_counter() - started
    run = open_queries(folder)
    latency, totals, first = {}, {}, {}
    for kind, q in QUERIES.items():
        first[kind], totals[kind] = _timed(run, kind, q)  # the first run warms caches; reported on its own
        timings = sorted(_timed(run, kind, q)[0] for _ in range(repeats))
        latency[kind] = (statistics.median(timings), timings[max(0, int(len(timings) * 0.95) - 1)])
    peak = peak_mb()
    return {"engine": engine, "seconds": seconds, "first": first,
            "size": folder_size(folder), "peak_mb": peak, "latency": latency, "totals": totals}


def _timed(run: Any, kind: str, q: str) -> tuple[float, int | str]:
    """Milliseconds, and the hits or why the query failed (a query past the engine's time limit is
    reported in the table, not the end of the run)."""
    started = time.perf_counter()
    try:
        found: int | str = run(kind, q)
    except Exception as error:
        found = f"failed: {error}"
    return (time.perf_counter() - started) * 1000, found


def site_worker(folder: Path) -> dict:
    """Runs in a subprocess: build the static site of an index, then let Pagefind index it."""
    from dateline.search import Archive
    from dateline.search.site import build_search, build_site

    out = folder.parent / f"{folder.name}-site"
    started = time.perf_counter()
    with Archive(folder) as archive:
        report = build_site(archive, out, {"Oil": "oil"}, search_index=False)
    seconds = time.perf_counter() - started
    peak = peak_mb()
    started = time.perf_counter()
    build_search(out)  # timed on its own: Pagefind over the article pages, shard by shard
    pagefind_seconds = time.perf_counter() - started
    pagefind_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    shards = len(json.loads((out / "search-bundles.json").read_text()))
    transfer = search_transfer(out, QUERIES["term"])
    shutil.rmtree(out, ignore_errors=True)
    return {"pages": report.written, "seconds": seconds, "rate": report.written / seconds, "peak_mb": peak,
            "pagefind_seconds": pagefind_seconds, "pagefind_peak_mb": pagefind_peak, "shards": shards,
            "transfer": transfer}


def search_transfer(site: Path, query: str) -> dict | None:
    """Serve the site, open its search page for `query` in headless Chromium and count the bytes of
    every response (Pagefind's worker included) until the first results (or a count of none) show,
    then (a sharded index searched in part) until the whole archive's count shows; None without a
    browser. Alone: `python -c 'import sys; sys.path.insert(0, "bench"); import run;
    print(run.search_transfer(run.Path("SITE"), "WORD"))'`."""
    try:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        return None
    server = subprocess.Popen([sys.executable, "-m", "dateline", "serve", str(site), "--port", "0"],
                              stderr=subprocess.PIPE, text=True)
    try:
        url = server.stderr.readline().split(" at ")[1].split()[0]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page()
            sizes: list[int] = []
            kinds: dict[str, int] = {}

            def finished(request: Any) -> None:
                size = request.sizes()  # one round trip to the browser
                sizes.append(size["responseBodySize"] + size["responseHeadersSize"])
                kind = transfer_kind(request.url)
                kinds[kind] = kinds.get(kind, 0) + sizes[-1]

            page.on("requestfinished", finished)
            started = time.perf_counter()
            page.goto(f"{url}search.html?q={query}")
            try:  # the first results, or the count of none
                page.wait_for_function("document.querySelectorAll('#results li').length > 0 || "
                                       "/^0 articles/.test(document.querySelector('#status').textContent)",
                                       timeout=600_000)
            except PlaywrightTimeout:
                pass  # reported as it stands: the status line says what the page showed
            seconds = time.perf_counter() - started
            first = {"bytes": sum(sizes), "requests": len(sizes), "seconds": seconds,
                     "status": page.locator("#status").inner_text(), "kinds": dict(kinds)}
            if page.locator("#whole").is_visible():
                page.locator("#whole").click()
                page.wait_for_function("(s => /\\d+ articles?/.test(s) && !s.includes('so far'))"
                                       "(document.querySelector('#status').textContent)", timeout=1_200_000)
                first["whole"] = {"bytes": sum(sizes), "requests": len(sizes),
                                  "seconds": time.perf_counter() - started,
                                  "status": page.locator("#status").inner_text()}
            browser.close()
        return first
    finally:
        server.terminate()
        server.wait()


def transfer_kind(url: str) -> str:
    """What a site search's response is, for where its bytes go: the index of the parts' words or a
    part, and Pagefind's kind of file (index chunks, filter chunks, page metadata, fragments, ...)."""
    if url.startswith("blob:"):  # the page's own copies of pagefind.js, one a stemmer: no transfer
        return "blob"
    path = url.split("?")[0]
    where = "words index" if "/pagefind-words/" in path else "parts" if "/pagefind" in path else "page"
    name = path.rsplit("/", 1)[-1]
    kinds = ("pf_index", "pf_filter", "pf_meta", "pf_fragment", "entry", "wasm")
    kind = next((k for k in kinds if k in name), name.rsplit(".", 1)[-1] or name)
    return f"{where} {kind}"


def _subprocess(*args: str) -> dict | None:
    """A worker's result; None, with its error on stderr, when it failed (the run goes on)."""
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if out.returncode:
        print(f"{' '.join(args[:2])}: failed with status {out.returncode}:\n{out.stderr[-4000:]}",
              file=sys.stderr, flush=True)
        return None
    return json.loads(out.stdout.splitlines()[-1])


def bench_corpus(name: str, sources: list[str], work: Path, repeats: int, runs: int,
                 site: bool = True) -> tuple[list[dict], dict, dict]:
    """Dateline first (its index, its site, whole `dateline` processes), then the peers over the
    articles exported from its index. Each result goes to stderr as it comes, so a long run that
    fails late keeps what it measured; a failed worker's error goes there too."""
    articles_file = work / f"{name}.jsonl"
    rows, site_figures, command_line, count = [], {}, {}, 0
    for engine in ENGINES:
        folder = work / f"{name}-{engine}"
        row = _subprocess("--worker", engine, "--sources", *sources, "--articles", str(articles_file),
                          "--folder", str(folder), "--repeats", str(repeats))
        print(json.dumps(row), file=sys.stderr, flush=True)
        if row is None:
            if engine == "dateline":
                break  # no index: nothing for the site or the peers
            continue
        if engine == "dateline":
            count = export_articles(folder, articles_file)
            site_figures = (_subprocess("--site-worker", str(folder)) or {}) if site else {}
            command_line = command_line_figures(folder, sources, work, runs)
            print(json.dumps({"site": site_figures, "command_line": command_line}), file=sys.stderr,
                  flush=True)
        row.update(articles=count, rate=count / row["seconds"])
        rows.append(row)
        shutil.rmtree(folder, ignore_errors=True)
    return rows, site_figures, command_line


def print_results(name: str, rows: list[dict], site: dict, command_line: dict) -> None:
    if not rows:
        print(f"\n## {name}: Dateline's worker failed (its error is above, on stderr)")
        return
    base = rows[0]
    print(f"\n## {name}: {base['articles']} articles")
    kinds = list(QUERIES)
    header = ["engine", "articles/s", "index MB", "peak MB"] + [f"{k} p50/p95 ms" for k in kinds]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        cells = [row["engine"], f"{row['rate']:.0f}", f"{row['size'] / 2**20:.1f}", f"{row['peak_mb']:.0f}"]
        cells += [f"{row['latency'][k][0]:.1f} / {row['latency'][k][1]:.1f}" for k in kinds]
        print("| " + " | ".join(cells) + " |")
    for row in rows[1:]:
        ratios = [f"indexing {base['rate'] / row['rate']:.2f}x", f"size {base['size'] / row['size']:.2f}x",
                  f"memory {base['peak_mb'] / row['peak_mb']:.2f}x"]
        ratios += [f"{k} p50 {base['latency'][k][0] / max(row['latency'][k][0], 1e-6):.1f}x" for k in kinds]
        print(f"Dateline/{row['engine']}: " + ", ".join(ratios))
    print("(indexing: Dateline's rate over the peer's, below 1 = slower; "
          "size, memory, latency: above 1 = larger/slower)")
    print("hits per query: " + "; ".join(f"{r['engine']} {r['totals']}" for r in rows))
    print("first run of each query (cold caches), ms: " + "; ".join(
        f"{r['engine']} " + " / ".join(f"{r['first'][k]:.1f}" for k in kinds) for r in rows))
    if site:
        print_site(site)
    print_command_line(command_line)


def print_site(site: dict) -> None:
    print(f"static site: {site['pages']} pages in {site['seconds']:.1f}s ({site['rate']:.0f} pages/s, "
          f"peak {site['peak_mb']:.0f} MB); Pagefind index in {site['shards']} shard(s), "
          f"{site['pagefind_seconds']:.1f}s (peak {site['pagefind_peak_mb']:.0f} MB)")
    transfer = site["transfer"]
    if transfer:
        print(f"site search for {QUERIES['term']!r}: {transfer['bytes'] / 2**20:.2f} MB in "
              f"{transfer['requests']} requests, first results in {transfer['seconds']:.1f}s "
              f"({transfer['status']})")
        print("  of which " + ", ".join(f"{kind} {size / 2**20:.2f} MB" for kind, size in
                                        sorted(transfer["kinds"].items(), key=lambda item: -item[1])))
    if transfer and "whole" in transfer:
        whole = transfer["whole"]
        print(f"  and with every part searched: {whole['bytes'] / 2**20:.2f} MB in {whole['requests']} "
              f"requests, {whole['seconds']:.1f}s from the start ({whole['status']})")


LAUNCH = """
import resource, subprocess, sys, time
started = time.perf_counter()
# output to a pipe, not /dev/null: GNU grep stops at its first match when its output is /dev/null
status = subprocess.run(sys.argv[1:], capture_output=True).returncode
assert status == 0 or status == 1 and sys.argv[1] == "grep", f"{sys.argv[1:]} ended with status {status}"
print((time.perf_counter() - started) * 1000, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


# as on a user's machine: Python keeps compiled modules (a CI or container setting may say not to,
# and every process would then compile Dateline's changed modules again)
USER_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def _process(command: list[str]) -> tuple[float, float]:
    """Wall time (ms) and peak memory (MB) of one whole process, started from a small launcher (so the
    peak is the command's own, at least the launcher's ~10 MB)."""
    out = subprocess.run([sys.executable, "-c", LAUNCH, *command], capture_output=True, text=True, check=True,
                         env=USER_ENV)
    wall, peak = out.stdout.split()
    return float(wall), float(peak)


FIRST_QUERY = """
import sys, time
from dateline.search.archive import Archive
started = time.perf_counter()
with Archive(sys.argv[1]) as archive:
    archive.search("oil", facets=["place", "year"], sort="newest")
print((time.perf_counter() - started) * 1000)
"""


def _first_query_ms(index: Path) -> float:
    """A new process's open and first query (a facet count and a date sort), imports done."""
    out = subprocess.run([sys.executable, "-c", FIRST_QUERY, str(index)], capture_output=True, text=True,
                         check=True, env=USER_ENV)
    return float(out.stdout.strip())


def _index(sources: list[str], index: Path) -> None:
    """`dateline index`, which must succeed (files that are no article are not failures)."""
    subprocess.run([sys.executable, "-m", "dateline", "index", *sources, "--index", str(index)],
                   capture_output=True, text=True, check=True)


def _without_caches(index: Path) -> Path:
    """The index as a new reader meets it: no array caches written yet."""
    from dateline.indexer.engine.segments import CACHE_FOLDER

    shutil.rmtree(index / CACHE_FOLDER, ignore_errors=True)
    return index


def command_line_figures(index: Path, sources: list[str], work: Path, runs: int) -> dict:
    """The command as a user meets it: whole processes over Dateline's index, beside grep over the
    same files; then a new process's first query with the cache files those wrote and with none, and
    (Reuters) after an incremental update of one file."""
    if not runs:
        return {}
    files = sorted(Path(sources[0]).glob("*.sgm"))  # Reuters: a word of its own, and a file to update
    word = "cocoa" if files else QUERIES["term"]
    dateline = [sys.executable, "-m", "dateline"]
    search = f"dateline search {word} --facet place,year"
    commands = {
        search: [*dateline, "search", word, "--facet", "place,year", "--index", str(index)],
        "dateline --help": [*dateline, "--help"],
        f"grep -ric {word} (the sources)": ["grep", "-ric", word, *sources],
        "python -c pass (interpreter start)": [sys.executable, "-c", "pass"],
    }
    _process(commands[search])  # writes the array caches once
    figures: dict[str, Any] = {"runs": runs, "search": search, "processes": {}}
    for name, command in commands.items():
        measured = [_process(command) for _ in range(runs)]
        figures["processes"][name] = (statistics.median(m[0] for m in measured), max(m[1] for m in measured))
    _first_query_ms(index)  # its date order's arrays written once too, as the search above wrote its own
    figures["cached_ms"] = statistics.median(_first_query_ms(index) for _ in range(3))
    figures["cold_ms"] = statistics.median(_first_query_ms(_without_caches(index)) for _ in range(3))
    if files:
        copy = work / "cli-sources"
        shutil.copytree(sources[0], copy)
        _index([str(copy)], work / "cli-updated")
        _first_query_ms(work / "cli-updated")  # caches of every segment written
        target = copy / files[-1].name
        os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))
        _index([str(copy)], work / "cli-updated")
        figures["updated_ms"] = _first_query_ms(work / "cli-updated")
    return figures


def print_command_line(figures: dict) -> None:
    if not figures:
        return
    print("\n## Command line: whole processes, median of", figures["runs"])
    print("| command | wall ms | peak MB |\n|---|---|---|")
    medians = {name: wall for name, (wall, _peak) in figures["processes"].items()}
    for name, (wall, peak) in figures["processes"].items():
        print(f"| {name} | {wall:.0f} | {peak:.0f} |")
    search, grep = medians[figures["search"]], next(medians[n] for n in medians if n.startswith("grep"))
    interpreter = medians["python -c pass (interpreter start)"]
    print(f"dateline search / grep: {search / grep:.1f}x; / interpreter start: {search / interpreter:.1f}x")
    cold = figures["cold_ms"]
    line = (f"first query of a new process (open and query, after imports): {figures['cached_ms']:.0f} ms "
            f"with the cache files an earlier process wrote, {cold:.0f} ms with none")
    if "updated_ms" in figures:
        updated = figures["updated_ms"]
        line += f"; {updated:.0f} ms after an incremental update of one file ({updated / cold:.0%} of cold)"
    print(line)


SPARK_LAUNCH = """
import json, os, subprocess, sys, time
def rss(session):
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session:  # the session id: every process the command started
            total += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    return total
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=open(os.environ["ERR"], "w"),
                         start_new_session=True)
peak = 0
while child.poll() is None:
    peak = max(peak, rss(child.pid))
    time.sleep(0.2)
assert child.returncode == 0, open(os.environ["ERR"]).read()
print(json.dumps({"seconds": time.perf_counter() - started, "stderr": open(os.environ["ERR"]).read(),
                  "peak_mb": peak / 2**20}))
"""


def _spark_run(sources: list[str], index: Path, master: str | None) -> dict:
    """One `dateline index` as a whole process: wall time, the peak of the memory of all its processes
    together (Spark's JVM and Python workers, or the reader and writer processes), sampled every 0.2 s,
    the articles added and, on Spark, each step's seconds."""
    command = [sys.executable, "-m", "dateline", "index", *sources, "--index", str(index)]
    command += ["--spark", master] if master else ["--workers", "2"]
    out = subprocess.run([sys.executable, "-c", SPARK_LAUNCH, *command], capture_output=True, text=True,
                         check=True, env={**os.environ, "ERR": str(index.with_suffix(".stderr"))})
    run = json.loads(out.stdout)
    summary = next(line for line in run["stderr"].splitlines() if " added, " in line)
    run["articles"] = int(summary.split()[0])
    run["stages"] = {line.strip().rsplit(" ", 1)[0]: float(line.strip().rsplit(" ", 1)[1][:-1])
                     for line in run["stderr"].splitlines() if line.startswith("  ")}
    return run


def bench_spark(name: str, sources: list[str], work: Path) -> None:
    """The local indexer beside `dateline index --spark` on local[1] and local[2], same sources, one run:
    what Spark costs on one machine, and which steps a second core (a second executor) speeds up."""
    runs = {}
    for master in (None, "local[1]", "local[2]"):
        index = work / f"{name}-spark-{master or 'local'}"
        runs[master or "local indexer (2 workers)"] = _spark_run(sources, index, master)
        shutil.rmtree(index, ignore_errors=True)
    stages = list(runs["local[2]"]["stages"])
    print(f"\n## {name} on Spark: {runs['local[2]']['articles']} articles, whole processes")
    header = ["run", "wall s", "articles/s", "peak MB (all processes)", *(f"{stage} s" for stage in stages)]
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for label, run in runs.items():
        cells = [label, f"{run['seconds']:.1f}", f"{run['articles'] / run['seconds']:.0f}",
                 f"{run['peak_mb']:.0f}", *(f"{run['stages'][stage]:.1f}" if run["stages"] else "-"
                                            for stage in stages)]
        print("| " + " | ".join(cells) + " |")
    one, two = runs["local[1]"], runs["local[2]"]
    local = runs["local indexer (2 workers)"]
    print(f"Spark local[2] / local indexer: {two['seconds'] / local['seconds']:.2f}x the time; "
          f"local[1] / local[2]: {one['seconds'] / two['seconds']:.2f}x overall, by step: " + ", ".join(
              f"{stage} {one['stages'][stage] / max(two['stages'][stage], 1e-6):.2f}x" for stage in stages))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small corpora, a few repeats (CI smoke run)")
    parser.add_argument("--generated", type=int, default=100_000, help="size of the generated corpus")
    parser.add_argument("--no-reuters", action="store_true", help="the generated corpus only")
    parser.add_argument("--no-site", action="store_true", help="indexing and queries only: no static site")
    parser.add_argument("--spark", action="store_true",
                        help="indexing only: the local indexer beside --spark local[1] and local[2]")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--site-worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--sources", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--articles", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=30, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.site_worker:
        print(json.dumps(site_worker(args.site_worker)))
        return
    if args.worker:
        print(json.dumps(worker(args.worker, args.sources, args.articles, args.folder, args.repeats)))
        return
    repeats = 5 if args.quick else 30
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.quick:
            reuters = work / "reuters"
            reuters.mkdir()
            shutil.copy(REUTERS / "reut2-000.sgm", reuters)
            sources = [str(reuters)]
        else:
            sources = [str(REUTERS)]
        title = "Reuters-21578" + (" (first 1,000)" if args.quick else "")
        size = 2_000 if args.quick else args.generated
        generated = work / "generated" / "corpus.jsonl"
        generated.parent.mkdir()
        generated_corpus(generated, size)
        if args.spark:
            if not args.no_reuters:
                bench_spark(title, sources, work)
            bench_spark("Generated", [str(generated.parent)], work)
            return
        runs = 3 if args.quick else 15
        if not args.no_reuters:
            print_results(title, *bench_corpus("reuters", sources, work, repeats, runs, not args.no_site))
        print_results("Generated", *bench_corpus("generated", [str(generated.parent)], work, repeats,
                                                 0 if args.quick else runs, not args.no_site))


if __name__ == "__main__":
    main()

"""Indexing on Apache Spark (`dateline index SOURCES --spark MASTER`): the articles, ids, reprint groups
and index a local run makes, with the reading, signing, reprint matching and segment writing done by
Spark's executors.

The driver plans the run as the local indexer does (files_to_read: unchanged files are not read again)
and holds the index's write lock throughout. Then:

1. Read: each part of each file (a JSON Lines file in parts, any other file whole) is one task running
   Dateline's own readers; a file that cannot be read is an error row, reported as `dateline index`
   reports it. The articles stay cached on the executors.
2. Reprints: each MinHash signature is cut into its LSH bands and articles sharing a band are paired
   (a Spark SQL join on the band), the pairs checked with `same_story` on executors. The driver gets only the
   confirmed pairs and names groups from them in the order a local run reads the files, with the copies
   a local run would hold at that moment, so the groups are those of a local run.
3. Write: the articles are cut into shards by reading order, each written by one task as one Whoosh
   segment (write_segment). The driver deletes what changed files held before and commits the segments
   in one commit: a job that fails leaves the index at its last commit.
4. Parquet (--parquet): the committed index, one row per article, partitioned by year, written by
   executors in parallel; `dateline export --format parquet --by-year` writes the same locally.

On a cluster the sources, the index folder and the Parquet folder must be on storage every machine sees
at the same path, and executors need Dateline installed (README, "Running on a cluster").
"""

from __future__ import annotations

import functools
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from dateline.corpus.article import Article
from dateline.corpus.exclude import DEFAULT_EXCLUDE
from dateline.corpus.records import DEFAULT_MAPPING, FieldMapping
from dateline.errors import ArchiveError, DatelineError, SourceError
from dateline.indexer.document import document_from_article, document_key
from dateline.indexer.engine.store import Store, write_segment
from dateline.indexer.engine.view import build_arrays
from dateline.indexer.incremental import (
    PROCS,
    IndexReport,
    Unit,
    cancelled_on_error,
    files_to_read,
    prune_gone,
    read_for_index,
    units_to_read,
)
from dateline.indexer.reprints import band_keys, index_scheme, same_story, story

_ITEM_BITS = 32  # an article's ordinal: its part's number, then its place among the part's items


@dataclass(frozen=True)
class _Read:
    """One item read on an executor: an article (with its key and signature) or an error."""

    ordinal: int
    key: str
    item: Article | SourceError
    packed: bytes


def _read_unit(numbered: tuple[int, Unit], mapping: FieldMapping, ingested: datetime,
               scheme: bytes) -> list[_Read]:
    number, unit = numbered
    result = read_for_index(unit, mapping, ingested, scheme)
    return [_Read((number << _ITEM_BITS) + place,
                  document_key(unit.path, item) if isinstance(item, Article) else "", item, packed)
            for place, (item, packed) in enumerate(zip(result.items, result.signatures, strict=True))]


# Reprint matching. A copy as the matcher knows it is a "version": a new article (numbered by its
# ordinal, >= 0) or an article already in the index (numbered -1, -2, ...: before every new one).
Version = tuple[int, str, str, bytes]  # number, key, group it starts with (its id if new), signature


def _with_bands(version: Version) -> tuple[int, str, str, bytes, list[int]]:
    """A version with its LSH band keys, the local matcher's (`band_keys`), as Spark's signed longs."""
    number, key, group, packed = version
    return number, key, group, packed, band_keys(story(packed)).view(np.int64).tolist()


def _indexed_versions(part: int, index_dir: str, parts: int) -> Iterator[Version]:
    """Runs on an executor: the signed articles already in the index, of one run of document numbers."""
    for docnum, key, packed, group in Store(index_dir).reprint_signatures(part, parts):
        if packed:
            yield -1 - docnum, key, group, packed


def _confirmed(pair: Any) -> bool:
    return same_story(story(pair.later_signature), story(pair.earlier_signature))


@dataclass(frozen=True)
class _Timeline:
    """What the driver knows of the run's order to replay a local run's reprint matching: an article in
    the index stays a candidate until its key is read again with a signature, or, if its file is read
    again from the start without that key, until that file's last part has been written."""

    file_end: dict[str, int]  # key of an indexed article of a file read again -> that file's last part
    read_again: dict[str, tuple[int, bool]]  # such a key, or a candidate's -> its ordinal, has a signature

    def present(self, key: str, at: int) -> bool:
        """Whether the indexed copy with this key is still a candidate for the article at ordinal `at`."""
        again = self.read_again.get(key)
        if again is not None and again[0] < at:
            return not again[1]
        end = self.file_end.get(key)
        return end is None or again is not None or end >= at >> _ITEM_BITS


def replay_groups(pairs: Iterable[tuple[int, tuple[int, str]]], starting: dict[int, str],
                  timeline: _Timeline) -> dict[int, str]:
    """The reprint group of each new article a confirmed pair touches, as ReprintGroups assigns them in
    reading order: the group of the candidate with the smallest key among those present, else its own
    (`starting`: the group each version starts with). Only groups other than an article's own id."""
    partners: dict[int, list[tuple[int, str]]] = {}
    for later, earlier in pairs:
        partners.setdefault(later, []).append(earlier)
    groups: dict[int, str] = {}
    for later in sorted(partners):
        present = [(key, earlier) for earlier, key in partners[later]
                   if earlier >= 0 or timeline.present(key, later)]
        if present:
            _key, first = min(present)
            groups[later] = groups.get(first, starting[first])
    return {number: group for number, group in groups.items() if group != starting[number]}


def _write_shard(rows: Iterator[_Read], index_dir: str, units: Any, groups: Any,
                 before: Any) -> Iterator[tuple[Any, int, int, int]]:
    """Runs on an executor: one shard's articles as one segment, and how many were added, updated and
    unchanged against `before` (the checksums of what changed files held)."""
    counts = [0, 0, 0]

    def documents() -> Iterator[dict[str, Any]]:
        for row in rows:
            ordinal = row.ordinal
            unit, article, previous = units.value[ordinal >> _ITEM_BITS], row.item, before.value.get(row.key)
            assert isinstance(article, Article)
            counts[0 if previous is None else 2 if previous == article.provenance.checksum else 1] += 1
            yield document_from_article(article, unit.path, unit.sig, groups.value.get(ordinal, article.id),
                                        row.packed)

    segment = write_segment(index_dir, documents(), scratch=_scratch())
    yield segment, counts[0], counts[1], counts[2]


def _scratch() -> str | None:
    """Where an executor builds a segment: Spark's own scratch folder on that machine."""
    folders = os.environ.get("SPARK_LOCAL_DIRS")
    return folders.split(",")[0] if folders else None


def _parquet_part(part: int, parts: int, index_dir: str, folder: str) -> list[int]:
    from dateline.search import Archive
    from dateline.search.output import write_parquet_by_year

    with Archive(index_dir) as archive:
        return [write_parquet_by_year(archive.iter_articles(part, parts), folder,
                                      basename=f"part-{part:05d}-{{i}}.parquet")]


@contextmanager
def _job_failure(index_dir: Path) -> Iterator[None]:
    """A Spark job that fails (a task that raised, an executor lost past Spark's retries) is one line
    with the task's own last line of error, not a JVM stack trace."""
    try:
        yield
    except DatelineError:
        raise
    except Exception as exc:
        if not type(exc).__module__.startswith(("pyspark", "py4j")):
            raise
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        cause = next((line for line in reversed(lines) if re.match(r"[\w.]+(Error|Exception)\b", line)),
                     lines[-1] if lines else type(exc).__name__)
        raise ArchiveError(f"{index_dir}: the Spark job failed ({cause[:300]}); the index keeps its last "
                           "commit") from None


class _Clock:
    """Records how long each step of a run took, in the report: what a cluster speeds up and what not."""

    def __init__(self, report: IndexReport) -> None:
        self.report, self.last = report, time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.report.stages[stage] = now - self.last
        self.last = now


def session(master: str, conf: Iterable[tuple[str, str]] = ()) -> Any:
    """A Spark session on `master` whose Python workers run this interpreter (so they have Dateline)
    unless the configuration names another."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise DatelineError("--spark needs PySpark: pip install 'dateline[spark]'") from None
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # read by PySpark, not by its configuration
    logging = Path(__file__).with_name("spark-log4j2.properties")
    builder = (SparkSession.builder.master(master).appName("dateline index")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={logging}"))
    if master.startswith("local"):  # Spark's 200 shuffle partitions are for clusters
        builder = builder.config("spark.sql.shuffle.partitions", 2 * (os.cpu_count() or 1))
    for key, value in conf:
        builder = builder.config(key, value)
    try:
        spark = builder.config("spark.ui.showConsoleProgress", str(sys.stderr.isatty()).lower()).getOrCreate()
        spark.sparkContext.setLogLevel("FATAL")  # also for a session this process had already
        return spark
    except Exception as exc:  # no Java, a master that does not answer, a bad setting
        message = " ".join(str(exc).split())
        raise DatelineError(f"cannot start Spark on {master} ({message[:300]}); Spark needs Java 17 or "
                            "later (Debian: apt-get install openjdk-17-jre-headless)") from None


def write_parquet_archive(spark: Any, index_dir: str | Path, folder: str | Path, parts: int) -> int:
    """The whole committed index as a year-partitioned Parquet dataset written by `parts` tasks, replacing
    `folder`; how many articles."""
    from dateline.search.output import replacing

    with replacing(folder) as fresh:
        write = functools.partial(_parquet_part, parts=parts, index_dir=str(Path(index_dir).resolve()),
                                  folder=str(fresh))
        return sum(spark.sparkContext.parallelize(range(parts), parts).flatMap(write).collect())


def index_sources_on_spark(
    paths: Iterable[str | Path],
    index_dir: str | Path,
    master: str,
    *,
    shards: int | None = None,
    parquet: str | Path | None = None,
    prune: bool = False,
    exclude: Iterable[str] = DEFAULT_EXCLUDE,
    wait: float = 10.0,
    conf: Iterable[tuple[str, str]] = (),
    on_error: Callable[[SourceError], None] | None = None,
    mapping: FieldMapping = DEFAULT_MAPPING,
) -> IndexReport:
    """Index every source under the given paths on Spark (see the module docstring): the same report
    and the same index as index_sources, in `shards` new segments (default: Spark's parallelism)."""
    started = time.perf_counter()
    report = IndexReport()
    clock = _Clock(report)
    spark = session(master, conf)
    clock("starting Spark")
    sc = spark.sparkContext
    from pyspark import StorageLevel

    index_dir = Path(index_dir).resolve()
    store = Store(index_dir)
    skip = report.recorder(on_error)
    writer = store.writer(wait, PROCS)
    with cancelled_on_error(lambda: writer, index_dir), _job_failure(index_dir):
        indexed_sources = store.indexed_sources()
        todo = files_to_read(store, paths, exclude, mapping, skip, report)
        units = list(units_to_read(todo, store.resume))
        indexed = set(indexed_sources)
        again = [unit.path for unit in units if unit.first and not unit.resumed and unit.path in indexed]
        last_part = {unit.path: number for number, unit in enumerate(units)}
        before, file_end = {}, {}  # what files read again held: each key's checksum, its file's last part
        for path in again:
            for key, checksum in store.checksums_of(path).items():
                before[key], file_end[key] = checksum, last_part[path]
        if units:
            read = functools.partial(_read_unit, mapping=mapping, ingested=datetime.now(timezone.utc),
                                     scheme=index_scheme(store))
            rows = sc.parallelize(list(enumerate(units)), len(units)).flatMap(read)
            rows.persist(StorageLevel.MEMORY_AND_DISK)
            for row in sorted(rows.filter(lambda row: isinstance(row.item, SourceError)).collect(),
                              key=lambda row: row.ordinal):
                assert isinstance(row.item, SourceError)
                skip(row.item)
            clock("reading")
            articles = rows.filter(lambda row: isinstance(row.item, Article))
            groups = _reprint_groups(spark, store, articles, file_end)
            clock("matching reprints")
            write = functools.partial(_write_shard, index_dir=str(index_dir), units=sc.broadcast(units),
                                      groups=sc.broadcast(groups), before=sc.broadcast(before))
            written = articles.coalesce(shards or sc.defaultParallelism).mapPartitions(write).collect()
            clock("writing segments")
            rows.unpersist()
            for path in again:
                writer.delete_source(path)
            writer.adopt([segment for segment, *_ in written if segment is not None])
            report.added, report.updated, report.unchanged = (sum(counts[i] for _, *counts in written)
                                                              for i in range(3))
            report.removed = len(before) - report.updated - report.unchanged
            report.files_read = sum(unit.first for unit in units)
            report.resumed = sum(unit.first and unit.resumed for unit in units)
        in_part = {sig: point for sig, point in store.resume.items() if sig not in {sig for *_, sig in todo}}
        pruned = prune_gone(writer, indexed_sources, in_part, report) if prune else 0
        committed = bool(units or pruned or in_part != store.resume)
        if committed:
            writer.commit(in_part)
        else:
            writer.cancel()
        clock("committing")
    if committed:  # as index_sources ends: the arrays a first query reads, outside the writer's block
        build_arrays(store.ix, store.path)
        clock("building query arrays")
    if parquet is not None:
        try:
            write_parquet_archive(spark, index_dir, parquet, shards or sc.defaultParallelism)
        except OSError as exc:
            raise ArchiveError(f"{parquet}: cannot write the Parquet archive ({exc.strerror or exc}); "
                               "the index is committed") from None
        clock("writing Parquet")
    report.seconds = time.perf_counter() - started
    return report


def _reprint_groups(spark: Any, store: Store, articles: Any, file_end: dict[str, int]) -> dict[int, str]:
    """The reprint group of each new article that is not its own (see the module docstring, step 2):
    band rows made on executors, joined on their band in Spark SQL, the candidate pairs checked on
    executors, the confirmed pairs replayed on the driver."""
    from pyspark.sql import functions as F

    new = articles.filter(lambda row: row.packed).map(
        lambda row: (row.ordinal, row.key, row.item.id, row.packed))
    parts = spark.sparkContext.defaultParallelism
    indexed = spark.sparkContext.parallelize(range(parts), parts).flatMap(
        functools.partial(_indexed_versions, index_dir=str(store.path), parts=parts))
    versions = new.union(indexed)
    signed = spark.createDataFrame(versions.map(_with_bands), "number long, key string, start string, "
                                   "signature binary, bands array<long>").persist()
    banded = signed.select("number", "key", F.posexplode("bands").alias("band", "hash"))
    later, earlier = banded.alias("later"), banded.alias("earlier")
    candidates = (later.join(earlier, ["band", "hash"])
                  .where((F.col("later.number") >= 0) & (F.col("earlier.number") < F.col("later.number"))
                         & (F.col("earlier.key") != F.col("later.key")))
                  .select(F.col("later.number").alias("later"), F.col("earlier.number").alias("earlier"),
                          F.col("earlier.key").alias("earlier_key"))
                  .distinct())

    def side(name: str) -> Any:
        return signed.select(F.col("number").alias(name), F.col("signature").alias(f"{name}_signature"),
                             F.col("start").alias(f"{name}_start"))

    pairs = candidates.join(side("later"), "later").join(side("earlier"), "earlier").rdd.filter(_confirmed)
    confirmed, starting = [], {}
    for pair in pairs.collect():
        confirmed.append((pair.later, (pair.earlier, pair.earlier_key)))
        starting[pair.later], starting[pair.earlier] = pair.later_start, pair.earlier_start
    signed.unpersist()
    read_again: dict[str, tuple[int, bool]] = {}
    indexed_keys = {key for _, (earlier, key) in confirmed if earlier < 0}
    if indexed_keys:  # when are they read again, if they are
        asked = spark.sparkContext.broadcast(indexed_keys)
        read_again = dict(articles.filter(lambda row: row.key in asked.value)
                          .map(lambda row: (row.key, (row.ordinal, bool(row.packed)))).collect())
    return replay_groups(confirmed, starting, _Timeline(file_end, read_again))

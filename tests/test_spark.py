"""`dateline index --spark`: on Spark (local[2]) the same index as a local run of the same sources: ids,
counts, facet totals, reprint groups and the top 10 of several queries; the same errors; the same
incremental updates; and the Parquet archive, which Spark SQL opens and which equals a local export.
A Spark driver started by one test serves the next ones on the same xdist worker."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from dateline.search import Archive

from .conftest import SEEDS, SHARED, file_size_limit, run_cli

pytestmark = pytest.mark.spark

SPARK = "local[2]"
WARC_SAMPLES = SHARED / "data" / "warc-samples"
QUERIES = ["cocoa", "oil prices", '"interest rates"', "oil AND NOT gas", "place:usa wheat", "title:gold",
           "bank*", "example", "gov.uk OR government"]
_TIMING = re.compile(r" in \d+\.\ds$")


def messages(stderr: str) -> list[str]:
    """What a run said about its sources and its summary, without the time it took or Spark's own log."""
    return [_TIMING.sub("", line) for line in stderr.splitlines()
            if line.startswith(("error:", "note:")) or " added, " in line]


def ranked_top(archive: Archive, query: str, n: int = 10) -> dict[str, float]:
    """The top n of a ranking with every document tied with the nth: the same set whatever order ties
    were written in."""
    ranked = archive.rank(query, 500)
    if not ranked:
        return {}
    cut = ranked[min(n, len(ranked)) - 1][1]
    return {doc: round(score, 5) for doc, score in ranked if score >= cut - 1e-6}


def assert_same_index(local, spark) -> None:
    with Archive(local) as one, Archive(spark) as other:
        articles = {article.id: (group, article.provenance.checksum) for article, group in one.iter_articles()}
        assert articles, "the local index is empty"
        assert {article.id: (group, article.provenance.checksum)
                for article, group in other.iter_articles()} == articles
        for query in QUERIES:
            assert ranked_top(other, query) == ranked_top(one, query), query
    stats = [json.loads(run_cli("stats", "--format", "json", "--top", "1000", "--index", str(index),
                                check=True).stdout) for index in (local, spark)]
    for figures in stats:
        figures.pop("size_bytes")
    assert stats[0] == stats[1]


@pytest.mark.slow
def test_reuters_on_spark_is_the_local_index(tmp_path, reuters_index, reuters):
    index = tmp_path / "index"
    result = run_cli("index", str(reuters), "--index", str(index), "--spark", SPARK)
    assert result.returncode == 0, result.stderr
    assert "20000 added, 0 updated, 0 unchanged, 0 removed; 26 files read" in result.stderr
    assert "6 passed over, 0 sources failed" in result.stderr
    with Archive(index) as archive:  # the reprint groups are there, not only equal
        assert sum(1 for article, group in archive.iter_articles() if group != article.id) > 500
    assert_same_index(reuters_index, index)
    searches = [run_cli("search", "cocoa", "--facet", "place,year", "--index", str(path), check=True).stdout
                for path in (reuters_index, index)]
    assert "of 127 articles for 'cocoa'" in searches[1]
    assert searches[1] == searches[0]



def test_warc_samples_on_spark_are_the_local_index(tmp_path):
    local = run_cli("index", str(WARC_SAMPLES), "--index", str(tmp_path / "local"))
    spark = run_cli("index", str(WARC_SAMPLES), "--index", str(tmp_path / "spark"), "--spark", SPARK)
    assert spark.returncode == local.returncode == 1  # the samples include damaged archives
    assert messages(spark.stderr) == messages(local.stderr)
    assert any(line.startswith("error: ") and "example-wrong-chunks.warc.gz" in line
               for line in messages(spark.stderr))
    assert_same_index(tmp_path / "local", tmp_path / "spark")
    sites = []
    for name in ("local", "spark"):  # and the site is the same site
        run_cli("site", str(tmp_path / f"{name}-site"), "--index", str(tmp_path / name), "--no-search", check=True)
        sites.append(sorted(str(page.relative_to(tmp_path / f"{name}-site"))
                            for page in (tmp_path / f"{name}-site").rglob("*.html")))
    assert len(sites[0]) > 56 and sites[1] == sites[0]


def _change(sources) -> None:
    """An archive's next delivery: one story revised, one withdrawn, a file of reprints of another file's
    stories added, that other file touched without a change."""
    text = (sources / "reut2-001.sgm").read_text(encoding="latin-1")
    stories = re.findall(r"<REUTERS.*?</REUTERS>", text, re.S)
    text = text.replace(stories[3], stories[3].replace("<BODY>", "<BODY>Revised: ", 1))
    text = text.replace(stories[7] + "\n", "")
    (sources / "reut2-001.sgm").write_text(text, encoding="latin-1")
    other = (sources / "reut2-002.sgm").read_text(encoding="latin-1")
    copies = [story.replace('NEWID="', 'NEWID="9') for story in re.findall(r"<REUTERS.*?</REUTERS>", other, re.S)[:30]]
    (sources / "reut2-099.sgm").write_text("\n".join(copies) + "\n", encoding="latin-1")
    os.utime(sources / "reut2-002.sgm")


def test_incremental_runs_on_spark_change_what_a_local_run_changes(tmp_path, reuters):
    sources = tmp_path / "reuters"
    sources.mkdir()
    for name in ("reut2-001.sgm", "reut2-002.sgm"):
        shutil.copy(reuters / name, sources / name)
    parquet = tmp_path / "parquet"
    local = ("--index", str(tmp_path / "local"))
    spark = ("--index", str(tmp_path / "spark"), "--spark", SPARK, "--parquet", str(parquet))
    first = [run_cli("index", str(sources), *options, check=True) for options in (local, spark)]
    assert messages(first[1].stderr) == messages(first[0].stderr)
    _change(sources)
    second = [run_cli("index", str(sources), *options, check=True) for options in (local, spark)]
    assert messages(second[1].stderr) == messages(second[0].stderr)
    assert "30 added, 1 updated, 1998 unchanged, 1 removed; 3 files read" in second[1].stderr
    steps = re.findall(r"^  ([A-Za-z ]+) \d+\.\ds$", second[1].stderr, re.M)  # what each step took
    assert steps == ["starting Spark", "reading", "matching reprints", "writing segments", "committing",
                     "building query arrays", "writing Parquet"]
    kinds = [{file.name.partition("-")[2] for file in (tmp_path / name / "cache").iterdir()}
             for name in ("local", "spark")]  # before any query: what each run left
    assert kinds[0] == kinds[1] and "days.arrays" in kinds[1]
    assert_same_index(tmp_path / "local", tmp_path / "spark")
    with Archive(tmp_path / "spark") as archive:
        generation = archive.generation
        copies = sum(1 for article, group in archive.iter_articles()
                     if article.provenance.source.endswith("reut2-099.sgm") and group != article.id)
    assert copies > 20  # the new file's stories joined the groups of the stories they repeat
    third = run_cli("index", str(sources), *spark, check=True)
    assert "0 added, 0 updated, 0 unchanged, 0 removed; 0 files read, 3 unchanged files skipped" in third.stderr
    with Archive(tmp_path / "spark") as archive:
        assert archive.generation == generation  # nothing to do: no commit

    # the Parquet archive, rewritten whole by each run: year folders Spark SQL reads, equal to a local
    # export of the local index
    import pyarrow.dataset as ds
    from pyspark.sql import SparkSession

    assert sorted(path.name for path in parquet.iterdir()) == ["year=1987"]
    spark_sql = SparkSession.builder.getOrCreate()
    years = {row["year"]: row["count"] for row in spark_sql.read.parquet(str(parquet)).groupBy("year").count().collect()}
    assert years == {1987: 2029}
    run_cli("export", "--format", "parquet", "--by-year", "--output", str(tmp_path / "exported"),
            "--index", str(tmp_path / "local"), check=True)
    tables = [ds.dataset(path, format="parquet", partitioning="hive").to_table().drop(["ingested"]).sort_by("id")
              for path in (parquet, tmp_path / "exported")]
    assert tables[0].num_rows == 2029
    assert tables[0].schema == tables[1].schema
    assert tables[0].equals(tables[1])


def test_spark_without_java_is_one_line(tmp_path):
    env = {**os.environ, "JAVA_HOME": str(tmp_path / "no-java"), "PATH": os.path.dirname(sys.executable)}
    done = subprocess.run([sys.executable, "-m", "dateline", "index", str(SEEDS), "--index", str(tmp_path / "ix"),
                           "--spark", "local[1]"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2
    ours = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(ours) == 1 and "cannot start Spark on local[1]" in ours[0] and "Java 17" in ours[0]
    assert not (tmp_path / "ix").exists()  # nothing was created for a run that could not start


def test_spark_options_need_spark_and_each_other(tmp_path):
    index = str(tmp_path / "index")
    result = run_cli("index", str(SEEDS), "--index", index, "--parquet", "out")
    assert result.returncode == 2 and "go with --spark MASTER" in result.stderr
    result = run_cli("index", str(SEEDS), "--index", index, "--spark", SPARK, "--workers", "2")
    assert result.returncode == 2 and "--workers is for a local run" in result.stderr
    result = run_cli("index", str(SEEDS), "--index", index, "--spark", SPARK, "--spark-conf", "no-value")
    assert result.returncode == 2 and "--spark-conf takes KEY=VALUE" in result.stderr
    assert not (tmp_path / "index").exists()


def test_export_by_year_replaces_the_folder_whole(tmp_path):
    index, out = tmp_path / "index", tmp_path / "parquet"
    run_cli("index", str(SEEDS), "--index", str(index), check=True)
    stale = out / "year=2099" / "part-0.parquet"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"an export of an article since removed")
    result = run_cli("export", "--format", "parquet", "--by-year", "--output", str(out), "--index", str(index))
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in out.iterdir()) == ["year=__HIVE_DEFAULT_PARTITION__"]  # the seed is undated
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".parquet-")]  # no scratch left
    refused = [run_cli("export", "--format", "jsonl", "--by-year", "--output", str(out), "--index", str(index)),
               run_cli("export", "--format", "parquet", "--output", str(out), "--index", str(index))]
    assert refused[0].returncode == 2 and "--by-year goes with --format parquet" in refused[0].stderr
    assert refused[1].returncode == 2 and "is a folder: give a file, or --by-year" in refused[1].stderr


def test_a_failed_spark_job_is_one_line_and_the_index_keeps_its_last_commit(tmp_path, reuters):
    index = tmp_path / "index"
    run_cli("index", str(SEEDS), "--index", str(index), check=True)
    sources = tmp_path / "sources"
    sources.mkdir()
    stories = re.findall(r"<REUTERS.*?</REUTERS>", (reuters / "reut2-000.sgm").read_text(encoding="latin-1"), re.S)
    (sources / "part.sgm").write_text("\n".join(stories[:300]) + "\n", encoding="latin-1")
    # a full disk, as the writer of a segment of 300 articles meets it
    done = subprocess.run([sys.executable, "-m", "dateline", "index", str(sources), "--index", str(index),
                           "--spark", "local[1]"], preexec_fn=file_size_limit(600_000), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    ours = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(ours) == 1 and "the Spark job failed" in ours[0] and "the index keeps its last commit" in ours[0]
    assert "Traceback" not in done.stderr
    stats = json.loads(run_cli("stats", "--format", "json", "--index", str(index), check=True).stdout)
    assert stats["articles"] == 1
    assert run_cli("check", "--index", str(index)).returncode == 0
    again = run_cli("index", str(sources), "--index", str(index), "--spark", SPARK, check=True)
    assert "300 added" in again.stderr

"""The benchmark script runs and reports (a smoke run on small corpora; the full run stays out of CI)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def test_bench_quick_run_reports_every_engine(reuters):
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    for engine in ("dateline", "sqlite-fts5", "tantivy"):
        assert f"| {engine} |" in result.stdout
    assert "Dateline/sqlite-fts5: indexing" in result.stdout and "Dateline/tantivy: indexing" in result.stdout
    assert "## Generated: 2000 articles" in result.stdout
    assert result.stdout.count("static site: ") == 2 and "pages/s" in result.stdout


def test_relevance_leads_both_peers_on_cranfield():
    """The README's claim, re-checked: Dateline's nDCG@10 is at least the better peer's, on all 225 queries."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("relevance", ROOT / "bench" / "relevance.py")
    relevance = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(relevance)
    table = relevance.evaluate()
    assert set(table) == {"dateline", "tantivy", "sqlite-fts5"}
    best_peer = max(table["tantivy"]["nDCG@10"], table["sqlite-fts5"]["nDCG@10"])
    assert table["dateline"]["nDCG@10"] >= best_peer
    assert 0.3 < table["dateline"]["nDCG@10"] < 0.6, "a plausible figure for BM25 on Cranfield"

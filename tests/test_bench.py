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

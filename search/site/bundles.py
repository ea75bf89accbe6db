"""One Pagefind run: a site folder's pages into a bundle that replaces the old one whole."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from dateline.children import preexec_die_with_parent


def build_bundle(site: Path, bundle: Path, glob: str | None, stamp: tuple[str, str]) -> str | None:
    """Pagefind (from the pagefind[bin] package) indexes the site's pages (those matching `glob`)
    into a new bundle, which gets the file `stamp` (name, text) and then replaces the old bundle
    whole, so no file of an old index is left behind. None, or the line of Pagefind's output that
    says why it failed."""
    fresh, old = bundle.with_name(f"{bundle.name}.new"), bundle.with_name(f"{bundle.name}.old")
    shutil.rmtree(fresh, ignore_errors=True)
    command = [sys.executable, "-m", "pagefind", "--site", str(site), "--output-path", str(fresh), "--silent"]
    result = subprocess.run([*command, *(["--glob", glob] if glob else [])], capture_output=True, text=True,
                            preexec_fn=preexec_die_with_parent())
    if result.returncode == 0:
        try:
            (fresh / stamp[0]).write_text(stamp[1])
        except OSError:  # a full disk: the new bundle goes, the old one stays
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        shutil.rmtree(old, ignore_errors=True)
        if bundle.exists():
            bundle.rename(old)
        fresh.rename(bundle)
        shutil.rmtree(old, ignore_errors=True)
        return None
    shutil.rmtree(fresh, ignore_errors=True)
    lines = [line.strip() for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    reasons = (line for line in lines if "panicked" not in line and not line.startswith(("note:", "stack")))
    reason = next(reasons, f"exit status {result.returncode}")
    return f"pagefind failed: {reason}"

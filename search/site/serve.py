"""Serve a built site on 127.0.0.1 for its Pagefind search: files inside the site only, no listings."""

from __future__ import annotations

import functools
import http.server
import os
from pathlib import Path

from dateline.errors import DatelineError


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """SimpleHTTPRequestHandler without its two holes for a published archive: it lists folders,
    and it follows symlinks wherever they point (a link to /etc/passwd was served)."""

    def send_head(self):
        root = os.path.realpath(self.directory)
        real = os.path.realpath(self.translate_path(self.path))
        if real != root and not real.startswith(root + os.sep):
            self.send_error(404, "Not inside the site")
            return None
        return super().send_head()

    def list_directory(self, path):
        self.send_error(404, "No listing")
        return None

    def log_message(self, format: str, *args) -> None:  # noqa: A002  (the base class's name)
        pass  # a quiet terminal; errors are answered to the browser


def make_server(site: str | Path, port: int) -> http.server.ThreadingHTTPServer:
    """A server for the site on 127.0.0.1:port (0 picks a free port); one-line errors."""
    site = Path(site)
    if not (site / "index.html").is_file():
        raise DatelineError(f"{site}: not a Dateline site (no index.html); "
                            f"build one with: dateline site {site}")
    handler = functools.partial(SiteHandler, directory=str(site))
    try:
        return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise DatelineError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}"
                            f"{' (try another --port)' if exc.errno == 98 else ''}") from None

"""Property-based: arbitrary bytes and text never make a reader raise anything but SourceError."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dateline.corpus.readers import READERS
from dateline.errors import SourceError

NOW = datetime(2026, 11, 24, tzinfo=timezone.utc)
SUFFIXES = {"text": "x.txt", "html": "x.html", "jsonl": "x.jsonl", "warc": "x.warc.gz", "reuters": "x.sgm",
            "json": "x.json", "csv": "x.csv", "feed": "x.rss"}

payloads = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=2000).map(lambda text: text.encode("utf-8")),
    st.text(max_size=400).map(lambda text: f"<REUTERS NEWID=\"1\"><TEXT>{text}</TEXT></REUTERS>".encode()),
    st.text(max_size=400).map(lambda text: f"WARC/1.0\r\n{text}".encode()),
    st.text(max_size=400).map(lambda text: f"<html><body><article><p>{text}</p></article>".encode()),
    st.text(max_size=400).map(lambda text: f"{{\"body\": {text!r}}}\n".encode()),
    st.text(max_size=400).map(lambda text: f"[{{\"title\": \"t\", \"text\": {text!r}}}]".encode()),
    st.text(max_size=400).map(lambda text: f"title,text,date\n\"{text}\",{text},{text}\n".encode()),
    st.text(max_size=400).map(lambda text: f"<rss><channel><item><title>{text}</title><description>{text}"
                              f"</description></item></channel></rss>".encode()),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=payloads)
def test_every_reader_raises_only_source_error(data):
    assert set(SUFFIXES) == {reader.name for reader in READERS}, "every reader is tested"
    for reader in READERS:
        path = Path("/nonexistent-dir") / SUFFIXES[reader.name]
        try:
            for item in reader.read(path, data, NOW):
                assert not isinstance(item, Exception) or isinstance(item, SourceError)
        except SourceError:
            pass

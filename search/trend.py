"""Attention over time: how many articles match each query per day, week, month or year, and what
share of all the archive's articles of that period they are (the archive's own volume, so a month
with more copy does not look like more attention)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

PERIODS = ("day", "week", "month", "year")
_UNITS = {"day": "D", "week": "W", "month": "M", "year": "Y"}


@dataclass(frozen=True)
class Series:
    query: str
    counts: list[int]
    shares: list[float | None]  # counts over the period's volume; None where the period has no articles
    total: int           # dated matches
    undated: int         # matches without a date, counted apart


@dataclass(frozen=True)
class Trend:
    by: str
    periods: list[str]
    volume: list[int]    # every article of the period (within the filters)
    series: list[Series]


def _dates(days: np.ndarray) -> np.ndarray:
    """YYYYMMDD integers as numpy dates."""
    months = (days // 10_000 - 1970) * 12 + (days // 100 % 100 - 1)
    return months.astype("datetime64[M]").astype("datetime64[D]") + (days % 100 - 1).astype("timedelta64[D]")


def period_starts(days: np.ndarray, by: str) -> np.ndarray:
    """The first day of the period (weeks start on Monday, as ISO weeks do) of each dated day."""
    dates = _dates(days)
    if by == "week":
        # day 0, 1970-01-01, was a Thursday
        return dates - ((dates.astype(np.int64) + 3) % 7).astype("timedelta64[D]")
    return dates.astype(f"datetime64[{_UNITS[by]}]").astype("datetime64[D]")


def every_period(first: np.datetime64, last: np.datetime64, by: str) -> np.ndarray:
    """Every period from the one holding `first` to the one holding `last`, empty ones included."""
    if by in ("day", "week"):
        return np.arange(first, last + 1, 7 if by == "week" else 1, dtype="datetime64[D]")
    unit = _UNITS[by]
    return np.arange(first.astype(f"datetime64[{unit}]"), last.astype(f"datetime64[{unit}]") + 1).astype(
        "datetime64[D]")


def label(start: np.datetime64, by: str) -> str:
    """1987-03-02 (day), 1987-W10 (ISO week), 1987-03 (month), 1987 (year)."""
    if by == "week":
        year, week, _ = date.fromisoformat(str(start)).isocalendar()
        return f"{year}-W{week:02d}"
    return str(start.astype(f"datetime64[{_UNITS[by]}]"))


def count(periods: np.ndarray, starts: np.ndarray) -> list[int]:
    """How many of `starts` fall in each of `periods`."""
    return np.bincount(np.searchsorted(periods, starts), minlength=len(periods))[: len(periods)].tolist()


def draw(trend: Trend, path: str | Path, share: bool = False) -> None:
    """A line chart of the trend, SVG or PNG by the file's suffix (matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(10, 4), layout="constrained")
    positions = range(len(trend.periods))
    for series in trend.series:
        shares = [100 * s if s is not None else float("nan") for s in series.shares]  # a gap: no articles
        values = shares if share else series.counts
        axes.plot(positions, values, marker="o" if len(positions) < 40 else None, label=series.query)
    step = max(1, len(trend.periods) // 12)
    axes.set_xticks(list(positions)[::step], trend.periods[::step], rotation=45, ha="right")
    axes.set_ylabel("share of the period's articles (%)" if share else f"articles per {trend.by}")
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.savefig(path)
    pyplot.close(figure)

"""The results chart as a PNG: one bar chart per rating and choice question and, for a
course of many sessions, each rating's mean session by session. Labels come translated
from the caller; this module only draws (matplotlib's Agg backend, no display, and a
`Figure` of its own so that charts drawn in threads never share pyplot's state)."""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure


MAX_SESSION_TICKS = 16


@dataclass(frozen=True)
class Bars:
    title: str
    labels: Sequence[str]
    counts: Sequence[int]
    note: str = ""  # e.g. "mean 4.2 · 31 answers"


@dataclass(frozen=True)
class Trend:
    title: str
    x_label: str
    y_label: str
    sessions: Sequence[int]  # session numbers
    series: Sequence[tuple[str, Sequence[float | None]]]  # label, mean per session


def _wrap(text: str, width: int = 48, lines: int = 3) -> str:
    wrapped = textwrap.wrap(text, width) or [""]
    if len(wrapped) > lines:
        wrapped = [*wrapped[: lines - 1], wrapped[lines - 1][: width - 1] + "…"]
    return "\n".join(wrapped)


def render(
    title: str, bars: Sequence[Bars], trend: Trend | None = None, *, decimal: str = "."
) -> bytes:
    """The chart as PNG bytes; `decimal` is the reader's decimal mark ("," in Latvian)."""
    figure = draw(title, bars, trend, decimal=decimal)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def draw(
    title: str, bars: Sequence[Bars], trend: Trend | None = None, *, decimal: str = "."
) -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    def with_decimal_mark(value: float, _position: int | None = None) -> str:
        return f"{value:g}".replace(".", decimal)

    columns = 2 if len(bars) > 1 else 1
    bar_rows = math.ceil(len(bars) / columns) if bars else 0
    rows = bar_rows + (1 if trend else 0)
    figure = Figure(figsize=(5.2 * columns, 3.4 * max(rows, 1) + 0.6), dpi=100)
    figure.suptitle(_wrap(title, 80, 2), fontsize=12, fontweight="bold")
    grid = figure.add_gridspec(max(rows, 1), columns)
    for n, panel in enumerate(bars):
        axes = figure.add_subplot(grid[n // columns, n % columns])
        positions = range(len(panel.labels))
        drawn = axes.bar(positions, panel.counts, color="#2f6f9f")
        axes.bar_label(drawn, fontsize=8)
        axes.set_xticks(list(positions), [_wrap(label, 14, 2) for label in panel.labels])
        axes.tick_params(axis="x", labelsize=8)
        axes.set_title(_wrap(panel.title), fontsize=9)
        axes.set_ylim(0, max([*panel.counts, 1]) * 1.2)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no "0.5 people"
        axes.spines[["top", "right"]].set_visible(False)
        if panel.note:
            axes.set_xlabel(panel.note, fontsize=8)
    if trend:
        axes = figure.add_subplot(grid[bar_rows, :])
        for label, means in trend.series:
            ys = [math.nan if m is None else m for m in means]
            axes.plot(list(trend.sessions), ys, marker="o", label=_wrap(label, 60, 1))
        axes.set_ylim(1, 5.2)
        if len(trend.sessions) <= MAX_SESSION_TICKS:  # session numbers, whole
            axes.set_xticks(list(trend.sessions))
        else:
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.yaxis.set_major_formatter(FuncFormatter(with_decimal_mark))
        axes.set_title(trend.title, fontsize=9)
        axes.set_xlabel(trend.x_label, fontsize=8)
        axes.set_ylabel(trend.y_label, fontsize=8)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=7, loc="lower left")
        axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure

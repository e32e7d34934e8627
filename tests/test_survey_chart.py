"""The results chart: counts on whole-number ticks, means with the reader's decimal mark.
(Drawn directly: what the axes say is not readable from a PNG.)"""

from __future__ import annotations

from bot.services.survey_chart import Bars, Trend, draw, render


def tick_labels(axis) -> list[str]:  # type: ignore[no-untyped-def]
    return [label.get_text() for label in axis.get_ticklabels() if label.get_text()]


def test_counts_use_whole_numbers_and_means_the_decimal_comma() -> None:
    bars = [
        Bars("Vai nodarbības apjoms bija piemērots?", ["Par maz", "Tieši", "Par daudz"], [0, 1, 2])
    ]
    trend = Trend(
        "Vidēji", "Nodarbība", "Vidēji (1–5)", [1, 2, 3], [("Kvalitāte", [4.5, 3.0, None])]
    )
    figure = draw("Vasaras skola", bars, trend, decimal=",")
    figure.canvas.draw()
    counts, means = figure.axes
    assert tick_labels(counts.yaxis) and all(label.isdigit() for label in tick_labels(counts.yaxis))
    assert tick_labels(means.xaxis) == ["1", "2", "3"]
    assert "4,5" in tick_labels(means.yaxis) and not any("." in t for t in tick_labels(means.yaxis))


def test_english_keeps_the_decimal_point_and_png_is_produced() -> None:
    trend = Trend("Mean", "Session", "Mean (1-5)", [1, 2], [("Quality", [4.5, 3.5])])
    figure = draw("Summer school", [], trend)
    figure.canvas.draw()
    assert "4.5" in tick_labels(figure.axes[0].yaxis)
    assert render("Summer school", [], trend).startswith(b"\x89PNG")

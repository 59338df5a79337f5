"""Tests of leadership_eval.plots (figures are drawn and inspected, not eyeballed)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from leadership_eval.compare import BenchmarkComparison, compare_to_benchmark
from leadership_eval.errors import ConfigurationError, DataError
from leadership_eval.plots import FLAG_STYLES, plot_flag_grid, plot_funnel, plot_likert


def _comparison() -> BenchmarkComparison:
    rng = np.random.default_rng(0)
    sizes = [20, 35, 50, 80, 3]
    g = np.repeat(["t1", "t2", "t3", "t4", "t5"], sizes)
    y = rng.normal(3.5, 0.7, len(g))
    y[g == "t2"] -= 1.0
    return compare_to_benchmark(pd.DataFrame({"trust": g, "score": y}), "score", "trust")


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def test_funnel_plot_draws_points_limits_and_highlight() -> None:
    comp = _comparison()
    ax = plot_funnel(comp, highlight="t3", title="Leadership")
    fig = ax.figure
    labels = [t.get_text() for t in ax.texts]
    assert "t3" in labels and "t2" in labels  # highlighted, and flagged low
    assert "t5" not in labels  # suppressed groups are not drawn
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "95% limits" in legend and "99.8% limits" in legend
    # the 99.8 % curve passes through the limits at the plotted n around the overall mean
    assert isinstance(fig, Figure) and _png(fig).startswith(b"\x89PNG")


def test_funnel_plot_rejects_other_frames_and_unknown_highlight() -> None:
    with pytest.raises(DataError, match="compare_to_benchmark"):
        plot_funnel(pd.DataFrame({"n": [1]}))
    with pytest.raises(ConfigurationError, match="unknown group"):
        plot_funnel(_comparison(), highlight="nope")


def test_likert_bars_are_centred_and_suppressed_rows_say_so() -> None:
    counts = pd.DataFrame(
        [[10, 10, 20, 40, 20], [1, None, 2, 3, 4], [0, 0, 0, 50, 50]],
        index=["Trust 01", "Trust 02", "Region"],
        columns=[1, 2, 3, 4, 5],
    )
    ax = plot_likert(counts, ["SD", "D", "N", "A", "SA"])
    assert [t.get_text() for t in ax.texts].count("suppressed") == 1
    bars = [p for p in ax.patches]
    assert len(bars) == 10  # two drawn rows of five segments
    first = sorted(bars[:5], key=lambda b: b.get_x())
    # neutral (20 %) straddles zero: SD+D = 20 %, half the neutral = 10 % -> starts at -30
    assert first[0].get_x() == pytest.approx(-30)
    assert first[2].get_x() + first[2].get_width() / 2 == pytest.approx(0)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["SD", "D", "N", "A", "SA"]


def test_likert_even_number_of_options_splits_at_the_middle() -> None:
    counts = pd.DataFrame([[25, 25, 25, 25]], index=["All"], columns=list("abcd"))
    ax = plot_likert(counts)
    xs = sorted(p.get_x() for p in ax.patches)
    assert xs[0] == pytest.approx(-50)


def test_likert_errors() -> None:
    with pytest.raises(DataError):
        plot_likert(pd.DataFrame({"a": [1]}))
    with pytest.raises(ConfigurationError, match="labels"):
        plot_likert(pd.DataFrame([[1, 2, 3]]), ["x", "y"])
    with pytest.raises(DataError, match="non-negative"):
        plot_likert(pd.DataFrame([[1, -2, 3]]))


def test_flag_grid_colours_symbols_and_values() -> None:
    flags = pd.DataFrame(
        {"T1": ["red", "white", "high"], "T2": ["green", None, "suppressed"]},
        index=["q1", "q2", "q3"],
    )
    values = pd.DataFrame({"T1": [40.0, 55.0, 70.2], "T2": [80.0, np.nan, 1.0]}, index=flags.index)
    ax = plot_flag_grid(flags, values, item_labels={"q1": "Workload"})
    img = ax.images[0].get_array()
    assert to_hex(img[0, 0]) == FLAG_STYLES["red"][0]
    assert to_hex(img[1, 1]) == FLAG_STYLES["suppressed"][0]
    texts = [t.get_text() for t in ax.texts]
    assert "40.0 \u25bc\u25bc" in texts
    assert "1.0" not in " ".join(texts)  # a suppressed cell never shows its value
    assert ax.get_yticklabels()[0].get_text() == "Workload"
    with pytest.raises(DataError, match="unknown flag"):
        plot_flag_grid(pd.DataFrame({"T1": ["purple"]}))


def test_plots_draw_on_the_axes_given_and_leave_the_backend_alone() -> None:
    import matplotlib

    before = matplotlib.get_backend()
    matplotlib.use("svg", force=True)  # a user's own backend
    try:
        fig = Figure()
        left, right = fig.subplots(1, 2)
        assert plot_funnel(_comparison(), ax=left) is left
        counts = pd.DataFrame([[1, 2, 3, 4, 5]], index=["All"], columns=list("abcde"))
        assert plot_likert(counts, ax=right) is right
        assert plot_flag_grid(pd.DataFrame({"T1": ["red"]})).figure is not fig
        assert len(left.collections) > 0 and len(right.patches) == 5
        assert matplotlib.get_backend() == "svg"
    finally:
        matplotlib.use(before, force=True)

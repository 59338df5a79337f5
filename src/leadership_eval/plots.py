"""Figures for users' own analyses: funnel plots, diverging Likert bars and flag grids.

Every function draws on the matplotlib axes it is given (``ax=``) and returns them; without
``ax`` it draws on the axes of a new :class:`matplotlib.figure.Figure` (``ax.figure``; save it
with ``ax.figure.savefig(...)``). Nothing here touches pyplot or the global backend, so a
notebook keeps its own. Colours come from colour-blind-safe palettes (ColorBrewer diverging
schemes and the Okabe-Ito palette), and meaning is never carried by colour alone: flags also
carry a symbol, suppressed cells say "suppressed".

This is also the one home of the figures' geometry that the reports' SVG drawings share
(:func:`left_of_centre` for diverging bars).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import ArgumentError, ConfigurationError, DataError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from .compare import BenchmarkComparison

__all__ = ["FLAG_STYLES", "left_of_centre", "plot_flag_grid", "plot_funnel", "plot_likert"]

# Okabe & Ito (2008) colour-blind-safe palette
_BLUE, _ORANGE, _VERMILION, _GREY = "#0072B2", "#E69F00", "#D55E00", "#666666"

FLAG_STYLES: dict[str, tuple[str, str, str]] = {
    # flag: (fill colour, symbol, legend label). Blue/orange instead of the GMC's green/red so
    # that readers with red-green colour blindness see the difference; symbols repeat it.
    "red": ("#b35806", "\u25bc\u25bc", "below outlier"),
    "pink": ("#fdb863", "\u25bc", "bottom quartile"),
    "white": ("#f7f7f7", "", "between quartiles"),
    "lightgreen": ("#b2abd2", "\u25b2", "top quartile"),
    "green": ("#542788", "\u25b2\u25b2", "above outlier"),
    "low": ("#b35806", "\u25bc", "below the 99.8% limit"),
    "none": ("#f7f7f7", "", "within the limits"),
    "high": ("#542788", "\u25b2", "above the 99.8% limit"),
    "suppressed": ("#d9d9d9", "s", "suppressed (too few responses)"),
}
"""Fill colour, symbol and legend label of each flag (PuOr, a ColorBrewer scheme safe for
colour-blind readers)."""


def left_of_centre(percents: Sequence[float], neutral: bool) -> float:
    """The share of a diverging bar drawn left of the centre line.

    The lower half of the options, and half of the middle option when it is ``neutral`` (an
    odd number of options straddling the centre; Heiberger & Robbins 2014). Two options: the
    first is left.

    >>> left_of_centre([10, 20, 40, 20, 10], neutral=True)
    50.0
    >>> left_of_centre([30, 70], neutral=False)
    30.0
    """
    k = len(percents)
    half = k // 2
    left = float(sum(percents[:half]))
    if neutral and k % 2 == 1:
        left += float(percents[half]) / 2
    return left


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """``ax``, or the axes of a new figure (made without pyplot: no backend is touched)."""
    if ax is not None:
        from matplotlib.axes import Axes as _Axes

        if not isinstance(ax, _Axes):
            hint = " (a Figure: pass fig.add_subplot() or fig.gca())" if hasattr(ax, "gca") else ""
            raise ArgumentError(f"ax must be matplotlib Axes, not {type(ax).__name__}{hint}")
        return ax
    from matplotlib.figure import Figure

    size = np.asarray(figsize, dtype=object).ravel() if not isinstance(figsize, str) else []
    if len(size) != 2 or not all(
        isinstance(v, int | float | np.integer | np.floating)
        and not isinstance(v, bool)
        and np.isfinite(v)
        and v > 0
        for v in size
    ):
        raise ArgumentError(
            f"figsize must be (width, height) in inches, two positive numbers; found {figsize!r}"
        )
    fig = Figure(figsize=figsize, layout="constrained")
    return fig.add_subplot()


# ------------------------------------------------------------------------------ funnel


def plot_funnel(
    comparison: BenchmarkComparison,
    highlight: Any | Sequence[Any] | None = None,
    *,
    title: str | None = None,
    xlabel: str = "Number of responses",
    ylabel: str | None = None,
    label_flagged: bool = True,
    figsize: tuple[float, float] = (7.0, 4.5),
    ax: Axes | None = None,
) -> Axes:
    """A funnel plot of the groups of :func:`~leadership_eval.compare.compare_to_benchmark`.

    Parameters
    ----------
    comparison : BenchmarkComparison
        What :func:`~leadership_eval.compare_to_benchmark` returned (its centre, SD, limits and
        overdispersion draw the limits). Suppressed groups are not drawn.
    highlight : group value or list of them, optional
        Group(s) to mark (e.g. the trust a mentor's report is about) with a larger orange
        diamond and a label.
    title, xlabel, ylabel : str, optional
    label_flagged : bool
        Label the points flagged outside the outer limits.
    figsize : (float, float)
        The size of a new figure (without ``ax``).
    ax : matplotlib.axes.Axes, optional
        The axes to draw on (default: those of a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (``ax.figure`` is the figure).

    Notes
    -----
    The curves are the limits around the OVERALL benchmark (the respondents of all published
    groups) as a function of :math:`n`, with the comparison's overdispersion adjustment. With a
    leave-one-out benchmark each group's own limits (the columns of the frame) differ slightly
    from the curve; the flags follow the frame.

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.compare import compare_to_benchmark
    >>> from leadership_eval.plots import plot_funnel
    >>> df = pd.DataFrame({"trust": ["a"] * 8 + ["b"] * 12 + ["c"] * 20,
    ...                    "score": [3, 4] * 4 + [2, 3, 4] * 4 + [4, 5, 3, 4] * 5})
    >>> ax = plot_funnel(compare_to_benchmark(df, "score", "trust"), highlight="b")
    >>> type(ax.figure).__name__, ax.get_xlabel()
    ('Figure', 'Number of responses')
    """
    from .compare import BenchmarkComparison

    if not isinstance(comparison, BenchmarkComparison):
        raise ArgumentError(
            "plot_funnel needs what compare_to_benchmark returned (a BenchmarkComparison), "
            f"not {type(comparison).__name__}"
        )
    frame = comparison.frame
    est = "mean" if comparison.kind == "mean" else "proportion"
    shown = frame[frame["flag"] != "suppressed"]
    ax = _new_axes(ax, figsize)
    if shown.empty:
        ax.text(
            0.5,
            0.5,
            "No group has enough responses to show",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        ax.set_axis_off()
        return ax
    _draw_limits(ax, comparison, shown)
    colours = np.where(shown["flag"].isin(["low", "red"]), _VERMILION, _BLUE)
    ax.scatter(
        shown["n"],
        shown[est],
        s=28,
        c=colours,
        edgecolors="white",
        linewidths=0.5,
        zorder=3,
        label="groups",
    )
    wanted = _highlighted(highlight, frame)
    _mark_groups(ax, frame, shown, est, wanted, label_flagged)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel or comparison.value or est)
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    return ax


def _highlighted(highlight: Any, frame: pd.DataFrame) -> list[Any]:
    """``highlight`` of :func:`plot_funnel` as a list of groups of ``frame``."""
    from collections.abc import Hashable, Iterable, Mapping

    if highlight is None:
        return []
    if isinstance(highlight, Mapping):
        raise ArgumentError(
            f"highlight must be a group or a list of groups, not {type(highlight).__name__}"
        )
    is_many = isinstance(highlight, Iterable) and not isinstance(highlight, str | bytes)
    wanted = list(highlight) if is_many else [highlight]
    bad = [h for h in wanted if not isinstance(h, Hashable)]
    if bad:
        raise ArgumentError(
            f"highlight holds {type(bad[0]).__name__} ({bad[0]!r}), not a group: give a group "
            "or a flat list of groups"
        )
    groups = set(frame["group"])
    unknown = [h for h in wanted if h not in groups]
    if unknown:
        known = ", ".join(repr(g) for g in sorted(groups, key=str)[:20])
        raise ConfigurationError(
            f"highlight names unknown group(s): {unknown}; the groups are {known}"
        )
    return wanted


def _draw_limits(ax: Axes, comparison: BenchmarkComparison, shown: pd.DataFrame) -> None:
    """The limit curves around the overall benchmark, and the benchmark itself."""
    from .compare import funnel_limits

    n_max = max(float(shown["n"].max()) * 1.1, 10.0)
    grid = np.unique(np.linspace(max(1.0, float(shown["n"].min()) * 0.5), n_max, 200).round())
    limits = comparison.limits
    curves = funnel_limits(
        grid,
        comparison.centre,
        kind=comparison.kind,  # type: ignore[arg-type]
        sd=comparison.sd,
        limits=limits,
        phi=comparison.phi,
        tau2=comparison.tau2,
    )
    styles = ["--", "-"]
    for level, style in zip(sorted(limits), styles * len(limits), strict=False):
        label = f"{level * 100:g}".replace(".", "")
        pct = f"{level * 100:g}%"
        ax.plot(grid, curves[f"lower_{label}"], style, color=_GREY, lw=1, label=f"{pct} limits")
        ax.plot(grid, curves[f"upper_{label}"], style, color=_GREY, lw=1)
    ax.axhline(comparison.centre, color="black", lw=0.8, label="benchmark")


def _mark_groups(
    ax: Axes,
    frame: pd.DataFrame,
    shown: pd.DataFrame,
    est: str,
    wanted: list[Any],
    label_flagged: bool,
) -> None:
    """Highlighted groups as orange diamonds, labels on them and on the flagged groups, and a
    note for a highlighted group that is suppressed."""
    for _, row in shown.iterrows():
        flagged = row["flag"] not in ("none", "white")
        is_hl = row["group"] in wanted
        if is_hl:
            ax.scatter(
                [row["n"]],
                [row[est]],
                s=110,
                marker="D",
                color=_ORANGE,
                edgecolors="black",
                zorder=4,
            )
        if is_hl or (label_flagged and flagged):
            ax.annotate(
                str(row["group"]),
                (row["n"], row[est]),
                xytext=(5, 4),
                textcoords="offset points",
                fontsize=9,
            )
    for h in wanted:
        if h in set(frame.loc[frame["flag"] == "suppressed", "group"]):
            ax.text(
                0.99,
                0.02,
                f"{h}: suppressed (too few responses)",
                ha="right",
                va="bottom",
                transform=ax.transAxes,
                fontsize=9,
            )


# ------------------------------------------------------------------------------ likert


def _diverging(k: int) -> list[str]:
    """k colours of ColorBrewer's PuOr (colour-blind safe), negative side orange."""
    from matplotlib import colormaps

    cmap = colormaps["PuOr"]
    pts = np.linspace(0.08, 0.92, k) if k > 1 else np.array([0.5])
    out = [cmap(float(p)) for p in pts]
    if k % 2 == 1:
        out[k // 2] = (0.85, 0.85, 0.85, 1.0)  # neutral: mid grey, visible on white
    from matplotlib.colors import to_hex

    return [to_hex(c) for c in out]


def plot_likert(
    counts_or_percent: pd.DataFrame,
    labels: Sequence[str] | None = None,
    *,
    neutral: bool | None = None,
    title: str | None = None,
    show_percent: bool = True,
    figsize: tuple[float, float] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Diverging stacked bars of Likert answers (e.g. a trust against the region).

    Parameters
    ----------
    counts_or_percent : pandas.DataFrame
        One row per bar (its index gives the bar labels, e.g. ``Trust 07`` and ``Region``;
        a repeated label gives a bar each), one
        column per answer option from the most negative to the most positive; counts or
        percentages (each row is rescaled to 100 %). A row with an NA cell (suppressed by
        disclosure control) is drawn as the word "suppressed" instead of a bar: its
        percentages cannot be shown without the missing count.
    labels : sequence of str, optional
        Option labels for the legend (default: the column names).
    neutral : bool, optional
        Whether the middle option is neutral and straddles the centre line (default: when the
        number of options is odd).
    title : str, optional
    show_percent : bool
        Write the percentage inside segments of at least 8 %.
    figsize : (float, float), optional
        The size of a new figure (without ``ax``).
    ax : matplotlib.axes.Axes, optional
        The axes to draw on (default: those of a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (``ax.figure`` is the figure).

    Notes
    -----
    The bars are centred on zero: disagreement to the left, agreement to the right, the neutral
    option split evenly across the centre (Heiberger & Robbins 2014). Drawn with matplotlib
    directly: the ``plot-likert`` package fails on pandas 3.

    References
    ----------
    Heiberger RM, Robbins NB. Design of diverging stacked bar charts for Likert scales and other
    applications. Journal of Statistical Software 2014; 57(5): 1-32. doi:10.18637/jss.v057.i05

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.plots import plot_likert
    >>> counts = pd.DataFrame([[2, 5, 6, 12, 5], [None] * 5, [30, 60, 80, 150, 80]],
    ...                       index=["Trust 07", "Trust 11", "Region"],
    ...                       columns=["SD", "D", "N", "A", "SA"])
    >>> ax = plot_likert(counts, title="I see myself as a leader")
    >>> [t.get_text() for t in ax.texts if t.get_text() == "suppressed"]
    ['suppressed']
    """
    if not isinstance(counts_or_percent, pd.DataFrame) or counts_or_percent.shape[1] < 2:
        raise DataError(
            "plot_likert needs a frame with one column per answer option (at least two)",
            code="bad-argument",
        )
    table = counts_or_percent.apply(pd.to_numeric, errors="coerce").astype(float)
    bad = counts_or_percent.notna() & table.isna()
    if bad.to_numpy().any() or (table < 0).to_numpy().any():
        raise DataError("plot_likert: counts must be non-negative numbers", code="bad-argument")
    k = table.shape[1]
    names = [str(c) for c in (labels if labels is not None else table.columns)]
    if len(names) != k:
        raise ConfigurationError(f"labels has {len(names)} entries for {k} options")
    mid = (k % 2 == 1) if neutral is None else neutral
    if mid and k % 2 == 0:
        raise ConfigurationError("neutral=True needs an odd number of options")
    suppressed = table.isna().any(axis=1)
    totals = table.sum(axis=1)
    pct = table.div(totals.where(totals > 0), axis=0) * 100
    colours = _diverging(k)
    rows = list(table.index)
    h = figsize or (8.0, 1.0 + 0.55 * len(rows))
    ax = _new_axes(ax, h)
    y = np.arange(len(rows))[::-1]
    # by position: two bars may have the same label
    for pos, yi in enumerate(y):
        total = totals.iloc[pos]
        if suppressed.iloc[pos] or not np.isfinite(total) or total == 0:
            ax.text(
                0,
                yi,
                "suppressed",
                ha="center",
                va="center",
                fontsize=9,
                style="italic",
                color="#333333",
            )
            continue
        p = pct.iloc[pos].to_numpy()
        left = -left_of_centre(p, neutral=mid)
        for j in range(k):
            ax.barh(
                yi, p[j], left=left, color=colours[j], edgecolor="white", height=0.7, label=names[j]
            )
            if show_percent and p[j] >= 8:
                dark = j in (0, k - 1)
                ax.text(
                    left + p[j] / 2,
                    yi,
                    f"{p[j]:.0f}%",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if dark else "black",
                )
            left += p[j]
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [str(r) for r in rows])
    ax.set_xlim(-100, 100)
    ticks = np.arange(-100, 101, 25)
    ax.set_xticks(ticks, [f"{abs(t)}%" for t in ticks])
    handles, hl = ax.get_legend_handles_labels()
    seen: dict[str, Any] = {}
    for hd, lb in zip(handles, hl, strict=True):
        seen.setdefault(lb, hd)
    if seen:
        ax.legend(
            [seen[n] for n in names if n in seen],
            [n for n in names if n in seen],
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12 if len(rows) < 4 else -0.06),
            ncol=min(k, 5),
            fontsize=8,
            frameon=False,
        )
    if title:
        ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


# ------------------------------------------------------------------------------ flag grid


def _cell_numbers(values: Any, shape: tuple[int, int]) -> pd.DataFrame:
    """The values of a flag grid as numbers (numbers written as text converted); other text is
    a DataError naming the cells."""
    if not isinstance(values, pd.DataFrame):
        raise ArgumentError(
            f"values must be a pandas DataFrame of numbers; found {type(values).__name__}"
        )
    if values.shape != shape:
        raise ConfigurationError("values must have the same shape as flags")
    numbers = values.apply(
        lambda col: pd.to_numeric(
            col.map(lambda v: v.strip() if isinstance(v, str) else v), errors="coerce"
        )
    )
    bad = (values.notna() & numbers.isna()).to_numpy()
    if bad.any():
        cells = [
            f"{values.iat[i, j]!r} ({values.index[i]}, {values.columns[j]})"
            for i, j in zip(*np.nonzero(bad), strict=True)
        ]
        raise DataError(
            f"plot_flag_grid: values must be numbers; found {', '.join(cells[:5])}"
            + (" ..." if len(cells) > 5 else ""),
            code="not-numeric",
        )
    return numbers


def plot_flag_grid(
    flags: pd.DataFrame,
    values: pd.DataFrame | None = None,
    *,
    title: str | None = None,
    item_labels: dict[Any, str] | None = None,
    figsize: tuple[float, float] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """A GMC-style grid of flags: items (rows) by groups (columns).

    Parameters
    ----------
    flags : pandas.DataFrame
        Items x groups, each cell a flag from :func:`~leadership_eval.compare.
        compare_to_benchmark` (``red``, ``pink``, ``white``, ``lightgreen``, ``green``, or
        ``low``, ``none``, ``high``, or ``suppressed``); NA is drawn as suppressed.
    values : pandas.DataFrame, optional
        Same shape: numbers written in the cells (e.g. the means), NA left blank; numbers
        given as text are converted, other text is an error.
    title : str, optional
    item_labels : dict, optional
        Row labels to show instead of the item ids.
    figsize : (float, float), optional
        The size of a new figure (without ``ax``).
    ax : matplotlib.axes.Axes, optional
        The axes to draw on (default: those of a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (``ax.figure`` is the figure).

    Notes
    -----
    Colours follow :data:`FLAG_STYLES`: ColorBrewer PuOr (orange for below, purple for above)
    rather than the GMC's red and green, which many colour-blind readers cannot tell apart;
    every coloured cell also carries a symbol (two triangles for an outlier, one for a
    quartile), so the grid reads in greyscale too.

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.plots import plot_flag_grid
    >>> flags = pd.DataFrame({"Trust 01": ["red", "white"], "Trust 02": ["green", None]},
    ...                      index=["workload", "supervision"])
    >>> ax = plot_flag_grid(flags)
    >>> sorted(t.get_text() for t in ax.texts if t.get_text())[:2]
    ['s', '▲▲']
    """
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Patch

    if not isinstance(flags, pd.DataFrame) or flags.empty:
        raise DataError("plot_flag_grid needs a non-empty frame of flags", code="bad-argument")
    cells = flags.astype(object).where(flags.notna(), "suppressed")
    unknown = sorted({str(v) for v in cells.to_numpy().ravel()} - set(FLAG_STYLES))
    if unknown:
        raise DataError(
            f"unknown flag value(s) {unknown}; expected one of {sorted(FLAG_STYLES)}",
            code="bad-argument",
        )
    if values is not None:
        values = _cell_numbers(values, flags.shape)
    n_rows, n_cols = cells.shape
    rgb = np.array([[to_rgb(FLAG_STYLES[str(v)][0]) for v in row] for row in cells.to_numpy()])
    size = figsize or (1.2 + 0.9 * n_cols + 2.0, 1.5 + 0.45 * n_rows)
    ax = _new_axes(ax, size)
    ax.imshow(rgb, aspect="auto", interpolation="nearest")
    for i in range(n_rows):
        for j in range(n_cols):
            flag = str(cells.iat[i, j])
            fill, symbol, _ = FLAG_STYLES[flag]
            dark = sum(to_rgb(fill)) < 1.5
            text = symbol
            if values is not None and flag != "suppressed" and pd.notna(values.iat[i, j]):
                text = f"{values.iat[i, j]:.1f} {symbol}".strip()
            ax.text(
                j, i, text, ha="center", va="center", fontsize=8, color="white" if dark else "black"
            )
    ax.set_xticks(range(n_cols), [str(c) for c in cells.columns], rotation=45, ha="right")
    labels = [str((item_labels or {}).get(r, r)) for r in cells.index]
    ax.set_yticks(range(n_rows), labels)
    ax.set_xticks(np.arange(-0.5, n_cols), minor=True)
    ax.set_yticks(np.arange(-0.5, n_rows), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    used = [f for f in FLAG_STYLES if f in set(cells.to_numpy().ravel())]
    handles = [
        Patch(
            facecolor=FLAG_STYLES[f][0],
            edgecolor="#999999",
            label=f"{FLAG_STYLES[f][1]} {FLAG_STYLES[f][2]}".strip(),
        )
        for f in used
    ]
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False
    )
    if title:
        ax.set_title(title)
    return ax

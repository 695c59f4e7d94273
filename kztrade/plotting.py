"""Charts of trade levels, mirror gaps, structure, concentration and projections.

Shaped like seaborn functions: each takes its data first and keyword-only options, draws
on ``ax`` (or the current Axes), and returns the Axes, so that notebooks can add titles,
annotations or save figures themselves. Units are stated in the axis label ("USD millions").

This module draws; it does not compute (see :mod:`kztrade.growth` and :mod:`kztrade.mirror`),
show, save, or change global matplotlib styles.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from kztrade.errors import ParameterError
from kztrade.growth import MEASURES, turnover

__all__ = [
    "UNITS",
    "plot_trade",
    "plot_mirror",
    "plot_structure",
    "plot_concentration",
    "plot_contributions",
    "plot_projection",
    "usd_axis",
]

#: Scale and axis label of each ``units`` choice.
UNITS: dict[str, tuple[float, str]] = {
    "units": (1.0, "USD"),
    "thousands": (1e3, "USD thousands"),
    "millions": (1e6, "USD millions"),
    "billions": (1e9, "USD billions"),
}
_LABELS = {"export": "Exports", "import": "Imports", "turnover": "Turnover", "balance": "Balance"}
_SERIES = ("reporter", "partner", "commodity", "source")


def _scale(units: str) -> tuple[float, str]:
    if units not in UNITS:
        raise ParameterError(f"`units` must be one of {list(UNITS)}, got {units!r}")
    return UNITS[units]


def _x(period: pd.Series) -> pd.Series:
    """Periods as something matplotlib can place: years as int, months as timestamps."""
    if period.dtype.freq.freqstr.startswith("M"):
        return period.dt.to_timestamp()
    return period.dt.year


def _one_series(frame: pd.DataFrame, columns, *, func: str, style: str | None) -> None:
    for col in columns:
        if col == style or col not in frame.columns:
            continue
        values = sorted(map(str, frame[col].dropna().unique()))
        if len(values) > 1:
            raise ParameterError(
                f"{func} draws one line per measure, but the data holds several {col} values "
                f"{values[:5]}; filter to one first, or pass style={col!r} to draw them apart"
            )


def _auto_units(values) -> str:
    """The unit for USD figures of this typical size: the median absolute finite value.

    The median, not the largest value, so that a wide upper interval bound does not turn
    a series of some hundred millions into a column of "0.14" billions. The thresholds are
    those of the figures in the text (``135.18 M USD``).

    Examples
    --------
    >>> _auto_units([120e6, 135e6, 150e6, 1.5e9])
    'millions'
    >>> _auto_units([25e9, 31e9]), _auto_units([450e3, 610e3])
    ('billions', 'thousands')
    """
    values = np.abs(np.asarray(values, dtype=float).ravel())
    values = values[np.isfinite(values)]
    typical = float(np.median(values)) if values.size else 0.0
    if typical >= 1e9:
        return "billions"
    return "millions" if typical >= 1e6 else "thousands"


def _tick_decimals(locations, scale: float) -> int:
    """The fewest decimals that show every tick at ``locations / scale`` exactly."""
    values = [v / scale for v in locations if np.isfinite(v)]
    for decimals in range(7):
        if all(abs(round(v, decimals) - v) <= 1e-9 * max(1.0, abs(v)) for v in values):
            return decimals
    return 6


def usd_axis(ax, *, units: str = "auto"):
    """Label a chart's y-axis in USD thousands, millions or billions when drawn in USD.

    ``units="auto"`` chooses the unit from the typical size of the lines drawn (their
    median absolute value; the axis limits when there are no lines), so that a shaded
    interval reaching far above the data does not decide it. Tick labels carry as many
    decimals as their spacing needs.

    Parameters
    ----------
    ax : matplotlib Axes
        A chart whose y values are in USD (not scaled).
    units : {"auto", "thousands", "millions", "billions"}, default "auto"

    Returns
    -------
    matplotlib Axes
        ``ax``, its y-axis labelled (e.g. "USD millions") and its ticks scaled.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1, 2], [1.2e8, 1.4e8, 2.5e8])
    >>> _ = ax.fill_between([1, 2], [0, 0], [2e9, 3e9])
    >>> ax = usd_axis(ax)
    >>> ax.get_ylabel(), ax.yaxis.get_major_formatter()(2.5e8, 0)
    ('USD millions', '250')
    >>> plt.close(fig)
    """
    from matplotlib.ticker import FuncFormatter

    if units == "auto":
        drawn = [line.get_ydata() for line in ax.get_lines()]
        values = np.concatenate([np.asarray(y, dtype=float) for y in drawn]) if drawn else []
        units = _auto_units(values if len(values) else ax.get_ylim())
    if units not in ("thousands", "millions", "billions"):
        raise ParameterError(
            f"usd_axis: `units` must be 'auto', 'thousands', 'millions' or 'billions', "
            f"got {units!r}"
        )
    scale, _ = _scale(units)

    def label(value, _pos):
        decimals = _tick_decimals(ax.yaxis.get_majorticklocs(), scale)
        return f"{value / scale:,.{decimals}f}"

    ax.yaxis.set_major_formatter(FuncFormatter(label))
    ax.set_ylabel(f"USD {units}")
    return ax


def plot_trade(
    data: pd.DataFrame,
    *,
    measures=("export", "import", "turnover"),
    units: str = "millions",
    style: str | None = None,
    hue: str | None = None,
    ax=None,
    **kwargs,
):
    """Exports, imports and turnover over time.

    Parameters
    ----------
    data : DataFrame
        A tidy trade frame (turnover and balance are computed), a frame made by
        :func:`kztrade.growth.with_turnover`, or the wide table of
        :func:`kztrade.growth.turnover`. It must describe one series (one reporter, partner,
        commodity and source) unless ``style`` or ``hue`` names the column that tells lines
        apart.
    measures : sequence of str, default ("export", "import", "turnover")
        Which of ``"export"``, ``"import"``, ``"turnover"``, ``"balance"`` to draw.
    units : {"millions", "billions", "thousands", "units", "auto"}, default "millions"
        Scale of the values; the y-axis label says it ("USD millions"). ``"auto"`` chooses
        thousands, millions or billions from the values drawn (see :func:`usd_axis`).
    style : str, optional
        A column drawn as line styles, e.g. ``"source"`` to compare BNS with COMTRADE.
    hue : str, optional
        A column drawn as colours, each value with its own marker too, e.g. ``"source"``
        for one line per source; the legend then names the values only. Draws one
        measure.
    ax : matplotlib Axes, optional
        Where to draw; the current Axes by default.
    **kwargs
        Passed to :func:`seaborn.lineplot`.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": [2020, 2020, 2021, 2021], "reporter": "KAZ",
    ...                 "partner": "MNG", "flow": ["export", "import"] * 2,
    ...                 "commodity": "TOTAL", "source": "BNS",
    ...                 "value_usd": [27.4e6, 1.9e6, 54.7e6, 2.4e6]}, freq="Y")
    >>> fig, ax = plt.subplots()
    >>> ax = plot_trade(f, ax=ax)
    >>> ax.get_ylabel()
    'USD millions'
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['Exports', 'Imports', 'Turnover']
    >>> plt.close(fig)

    One measure, a line per source:

    >>> g = make_frame({"period": [2019, 2019, 2020, 2020] * 2, "reporter": "KAZ",
    ...                 "partner": "MNG", "flow": ["export", "import"] * 4,
    ...                 "commodity": "TOTAL", "source": ["BNS"] * 4 + ["COMTRADE"] * 4,
    ...                 "value_usd": [58e6, 2e6, 27e6, 2e6, 57e6, 2e6, 26e6, 1e6]}, freq="Y")
    >>> fig, ax = plt.subplots()
    >>> ax = plot_trade(g, measures="turnover", hue="source", units="auto", ax=ax)
    >>> [t.get_text() for t in ax.get_legend().get_texts()], ax.get_ylabel()
    (['BNS', 'COMTRADE'], 'USD millions')
    >>> plt.close(fig)
    """
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"plot_trade: expected a DataFrame, got {type(data).__name__}")
    measures = [measures] if isinstance(measures, str) else list(measures)
    unknown = [m for m in measures if m not in MEASURES]
    if unknown or not measures:
        raise ParameterError(
            f"plot_trade: `measures` must be some of {list(MEASURES)}, got {measures!r}"
        )
    scale, label = (1.0, "USD") if units == "auto" else _scale(units)
    for name, column in (("style", style), ("hue", hue)):
        if column is not None and column not in data.columns:
            raise ParameterError(f"plot_trade: `{name}`={column!r} is not a column of the data")
    if hue is not None and len(measures) != 1:
        raise ParameterError(
            f"plot_trade: with `hue`={hue!r} one measure is drawn, got measures={measures!r}; "
            "pass one of them, e.g. measures='turnover'"
        )
    series = [c for c in _SERIES if c != hue]
    _one_series(data, series, func="plot_trade", style=style)
    keys = [c for c in (*_SERIES, "period") if c in data.columns]
    for column in (style, hue):
        if column is not None and column not in keys:
            keys.append(column)
    if "flow" in data.columns:
        flows = set(data["flow"].astype(object).unique())
        if set(measures) <= flows:
            long = data[data["flow"].astype(object).isin(measures)]
            long = long[keys + ["flow", "value_usd"]].rename(columns={"flow": "measure"})
        else:
            wide = turnover(data, by=keys)
            long = wide.melt(id_vars=keys, value_vars=measures, var_name="measure")
            long = long.rename(columns={"value": "value_usd"})
    elif set(measures) <= set(data.columns):
        long = data.melt(id_vars=keys, value_vars=measures, var_name="measure")
        long = long.rename(columns={"value": "value_usd"})
    else:
        raise ParameterError(
            "plot_trade: the data has neither a 'flow' column nor the columns "
            f"{measures}; pass a tidy frame or the table of kztrade.growth.turnover"
        )
    long = long.assign(
        x=_x(long["period"]),
        value=long["value_usd"].to_numpy(dtype="float64") / scale,
        measure=long["measure"].astype(object).map(_LABELS),
    )
    ax = plt.gca() if ax is None else ax
    if hue is None:
        kwargs.setdefault("marker", "o")
        sns.lineplot(
            data=long,
            x="x",
            y="value",
            hue="measure",
            hue_order=[_LABELS[m] for m in measures],
            style=style,
            ax=ax,
            **kwargs,
        )
    else:
        long = long.assign(**{hue: long[hue].astype(str)})
        order = sorted(long[hue].unique())
        lines = hue if style is None else style
        kwargs.setdefault("markers", True)
        kwargs.setdefault("dashes", False)
        sns.lineplot(
            data=long,
            x="x",
            y="value",
            hue=hue,
            hue_order=order,
            style=lines,
            style_order=order if lines == hue else None,
            ax=ax,
            **kwargs,
        )
    ax.set_xlabel("")
    ax.set_ylabel(label)
    if units == "auto":
        usd_axis(ax)
    legend = ax.get_legend()
    if legend is not None:
        legend.set_title(None)
    return ax


def plot_mirror(
    data: pd.DataFrame,
    *,
    flow: str | None = None,
    units: str = "millions",
    ax=None,
    **kwargs,
):
    """A reporter's figures against its partner's mirror figures over time.

    Draws the FOB-based values that :func:`kztrade.mirror.mirror` compares: one line for
    each country's report, one line style per direction of trade.

    Parameters
    ----------
    data : DataFrame
        The result of :func:`kztrade.mirror.mirror` for one reporter, partner and
        commodity.
    flow : {"export", "import"}, optional
        Draw only the reporter's exports (against the partner's imports) or only its
        imports; both directions by default.
    units : {"millions", "billions", "thousands", "units"}, default "millions"
        Scale of the values; the y-axis label says it, and the CIF/FOB factor if one was
        applied.
    ax : matplotlib Axes, optional
        Where to draw; the current Axes by default.
    **kwargs
        Passed to :func:`seaborn.lineplot`.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kztrade.mirror import mirror
    >>> from kztrade.schema import make_frame
    >>> kaz = make_frame({"period": [2018, 2019], "reporter": "KAZ", "partner": "MNG",
    ...                   "flow": "export", "commodity": "TOTAL",
    ...                   "value_usd": [73.2e6, 58.2e6], "source": "IMF-DOTS"}, freq="Y")
    >>> mng = make_frame({"period": [2018, 2019], "reporter": "MNG", "partner": "KAZ",
    ...                   "flow": "import", "commodity": "TOTAL",
    ...                   "value_usd": [40.1e6, 29.1e6], "source": "IMF-DOTS"}, freq="Y")
    >>> fig, ax = plt.subplots()
    >>> ax = plot_mirror(mirror(kaz, mng, cif_fob=1.06), ax=ax)
    >>> ax.get_ylabel()
    'USD millions (imports ÷ 1.06, FOB)'
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['KAZ reports', 'MNG reports']
    >>> plt.close(fig)
    """
    needed = ["period", "reporter", "partner", "flow", "reporter_fob_usd", "partner_fob_usd"]
    if not isinstance(data, pd.DataFrame) or any(c not in data.columns for c in needed):
        raise ParameterError(
            "plot_mirror: pass the frame returned by kztrade.mirror.mirror (columns "
            f"{needed} are needed)"
        )
    scale, label = _scale(units)
    if flow is not None:
        if flow not in ("export", "import"):
            raise ParameterError(
                f"plot_mirror: `flow` must be 'export', 'import' or None, got {flow!r}"
            )
        data = data[data["flow"].astype(object) == flow]
    _one_series(data, ("reporter", "partner", "commodity"), func="plot_mirror", style=None)
    if data.empty:
        raise ParameterError("plot_mirror: no rows to draw")
    reporter = str(data["reporter"].iloc[0])
    partner = str(data["partner"].iloc[0])
    base = pd.DataFrame(
        {
            "x": _x(data["period"]).to_numpy(),
            "Direction": data["direction"].to_numpy()
            if "direction" in data.columns
            else data["flow"].astype(object).to_numpy(),
        }
    )
    long = pd.concat(
        [
            base.assign(
                Report=f"{reporter} reports",
                value=data["reporter_fob_usd"].to_numpy(dtype="float64") / scale,
            ),
            base.assign(
                Report=f"{partner} reports",
                value=data["partner_fob_usd"].to_numpy(dtype="float64") / scale,
            ),
        ],
        ignore_index=True,
    )
    factors = data["cif_fob"].unique() if "cif_fob" in data.columns else np.array([1.0])
    if len(factors) == 1 and factors[0] != 1.0:
        label = f"{label} (imports ÷ {factors[0]:g}, FOB)"
    ax = plt.gca() if ax is None else ax
    kwargs.setdefault("marker", "o")
    several = long["Direction"].nunique() > 1
    sns.lineplot(
        data=long,
        x="x",
        y="value",
        hue="Report",
        hue_order=[f"{reporter} reports", f"{partner} reports"],
        style="Direction" if several else None,
        ax=ax,
        **kwargs,
    )
    ax.set_xlabel("")
    ax.set_ylabel(label)
    legend = ax.get_legend()
    if legend is not None:
        legend.set_title(None)
    return ax


def plot_structure(top, *, ax=None, **kwargs):
    """Bar chart of the shares of the top items and "other", largest first.

    Parameters
    ----------
    top : DataFrame
        :func:`kztrade.growth.top_n` by commodity for one period and flow.
    ax : matplotlib Axes, optional
        Where to draw; the current Axes by default.
    **kwargs
        Passed to :func:`seaborn.barplot`.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kztrade.growth import top_n
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": 2025, "reporter": "KAZ", "partner": "WLD",
    ...                 "flow": "export", "commodity": ["27", "26", "72"],
    ...                 "value_usd": [50e9, 3e9, 4e9], "source": "BNS"}, freq="Y")
    >>> fig, ax = plt.subplots()
    >>> [t.get_text() for t in plot_structure(top_n(f, n=2, of="commodity"),
    ...                                       ax=ax).get_yticklabels()]
    ['27 Mineral fuels, oil, gas', '72 Iron and steel', 'other (1 chapter)']
    >>> plt.close(fig)
    """
    from kztrade.notebooks import structure_table

    ax = plt.gca() if ax is None else ax
    table = structure_table(top)
    data = pd.DataFrame(
        {"label": table.iloc[:, 0].to_numpy(), "share": top["share"].to_numpy() * 100}
    )
    kwargs.setdefault("color", "#4c72b0")
    sns.barplot(data=data, x="share", y="label", ax=ax, **kwargs)
    for container in ax.containers:
        ax.bar_label(container, fmt="%.1f%%", padding=3, fontsize=8)
    ax.set_xlabel("Share of the total, %")
    ax.set_ylabel("")
    return ax


def plot_concentration(concentration, *, ax=None, **kwargs):
    """Line chart of the Herfindahl–Hirschman index over time, with its equivalent number.

    Parameters
    ----------
    concentration : DataFrame
        :func:`kztrade.growth.hhi` of one flow over several periods.
    ax : matplotlib Axes, optional
        Where to draw; the current Axes by default.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kztrade.growth import hhi
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": [2024, 2024, 2025, 2025], "reporter": "KAZ",
    ...                 "partner": "WLD", "flow": "export", "commodity": ["27", "26"] * 2,
    ...                 "value_usd": [40e9, 10e9, 45e9, 10e9], "source": "BNS"}, freq="Y")
    >>> fig, ax = plt.subplots()
    >>> plot_concentration(hhi(f, of="commodity"), ax=ax).get_ylabel()
    'HHI (0–10,000)'
    >>> plt.close(fig)
    """
    ax = plt.gca() if ax is None else ax
    data = concentration.sort_values("period").assign(
        year=lambda d: d["period"].dt.year, hhi=lambda d: d["hhi"].astype(float)
    )
    # a missing year stays a gap in the line instead of being bridged
    years = pd.DataFrame({"year": range(int(data["year"].min()), int(data["year"].max()) + 1)})
    line = years.merge(data[["year", "hhi"]], on="year", how="left")
    kwargs.setdefault("marker", "o")
    kwargs.setdefault("color", sns.color_palette()[0])
    ax.plot(line["year"], line["hhi"], **kwargs)
    for row in data.itertuples(index=False):
        if np.isfinite(row.equivalent_number):
            ax.annotate(
                f"≈{row.equivalent_number:.1f}",
                (row.year, row.hhi),
                textcoords="offset points",
                xytext=(0, 7),
                ha="center",
                fontsize=8,
            )
    ax.set_xlabel("")
    ax.set_ylabel("HHI (0–10,000)")
    ax.xaxis.get_major_locator().set_params(integer=True)
    return ax


def plot_contributions(contribution, *, period, n: int = 8, ax=None, **kwargs):
    """Bar chart of the items that contributed most to a total's growth, in percentage points.

    The ``n`` largest contributions by absolute size are drawn; the rest are summed into
    "other", so that the bars add up to the total's growth.

    Parameters
    ----------
    contribution : DataFrame
        :func:`kztrade.growth.contributions` by commodity.
    period : int or str
        The period whose growth is decomposed.
    n : int, default 8
        How many contributions to draw apart.
    ax : matplotlib Axes, optional
        Where to draw; the current Axes by default.
    **kwargs
        Passed to :func:`seaborn.barplot`.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kztrade.growth import contributions
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": [2024, 2024, 2025, 2025], "reporter": "KAZ",
    ...                 "partner": "WLD", "flow": "export", "commodity": ["27", "26"] * 2,
    ...                 "value_usd": [40e9, 10e9, 45e9, 9e9], "source": "BNS"}, freq="Y")
    >>> fig, ax = plt.subplots()
    >>> ax = plot_contributions(contributions(f, component="commodity"), period=2025, ax=ax)
    >>> [round(float(p.get_width()), 1) for p in ax.patches]
    [10.0, -2.0]
    >>> plt.close(fig)
    """
    from kztrade.notebooks import _bound, chapter_name

    ax = plt.gca() if ax is None else ax
    rows = contribution[contribution["period"] == _bound(contribution, period, "period")]
    if isinstance(_bound(contribution, period, "period"), int):
        rows = contribution[contribution["period"].dt.year == period]
    rows = rows[rows["contribution_pp"].notna()]
    if rows.empty:
        ax.text(
            0.5,
            0.5,
            f"No growth figure for {period}: the year before is not in the data",
            ha="center",
            va="center",
            transform=ax.transAxes,
            color="0.4",
        )
        ax.set_axis_off()
        return ax
    rows = rows.assign(size=rows["contribution_pp"].abs()).sort_values(
        "size", ascending=False, kind="stable"
    )
    shown = rows.head(n)
    labels = [chapter_name(c) for c in shown["commodity"]]
    values = shown["contribution_pp"].tolist()
    rest = rows.iloc[n:]
    if len(rest):
        labels.append(f"other ({len(rest)} chapters)")
        values.append(float(rest["contribution_pp"].sum()))
    data = pd.DataFrame({"label": labels, "pp": values})
    colors = ["#4c72b0" if v >= 0 else "#c44e52" for v in values]
    sns.barplot(
        data=data, x="pp", y="label", hue="label", palette=colors, legend=False, ax=ax, **kwargs
    )
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.set_xlabel("Contribution to growth, percentage points")
    ax.set_ylabel("")
    return ax


def plot_projection(monthly, projection, *, ax=None):
    """Bar chart of the complete years' totals and the projected year with its intervals.

    The projected year's bar shows the published months (solid) and the projected rest
    (light), with the widest interval as an error bar.

    Parameters
    ----------
    monthly : Series
        The monthly series the projection was made from.
    projection : kztrade.forecast.FullYearProjection
        The projection of the year after the last complete one.
    ax : matplotlib Axes, optional
        Where to draw; the current Axes by default.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> from kztrade.forecast import FullYearProjection
    >>> y = pd.Series(5e9, index=pd.period_range("2022-01", "2024-04", freq="M"))
    >>> p = FullYearProjection(year=2024, months_observed=4,
    ...     last_observed=pd.Period("2024-04", "M"), ytd_total=20e9, total=60e9,
    ...     intervals={95: (52e9, 69e9)}, ytd_share=1 / 3, forecast=None)
    >>> fig, ax = plt.subplots()
    >>> [round(b.get_height()) for b in plot_projection(y, p, ax=ax).patches]
    [60, 60, 20, 40]
    >>> plt.close(fig)
    """
    ax = plt.gca() if ax is None else ax
    years = monthly.groupby(monthly.index.year)
    totals = years.sum()[years.size() == 12]
    totals = totals[totals.index < projection.year]
    scale = (
        1e9 if max(abs(totals.max() if len(totals) else 0), abs(projection.total)) >= 1e9 else 1e6
    )
    unit = "USD billions" if scale == 1e9 else "USD millions"
    x = [str(y) for y in totals.index]
    ax.bar(x, totals.to_numpy() / scale, color="#4c72b0", label="complete years")
    label = str(projection.year)
    ax.bar(
        [label],
        [projection.ytd_total / scale],
        color="#4c72b0",
        alpha=0.9,
        label="published months",
    )
    rest = projection.total - projection.ytd_total
    ax.bar(
        [label],
        [rest / scale],
        bottom=[projection.ytd_total / scale],
        color="#4c72b0",
        alpha=0.35,
        label="projected",
    )
    if projection.intervals:
        level = max(projection.intervals)
        lo, hi = projection.intervals[level]
        ax.errorbar(
            [label],
            [projection.total / scale],
            yerr=[[(projection.total - lo) / scale], [(hi - projection.total) / scale]],
            fmt="none",
            ecolor="0.2",
            capsize=6,
            label=f"{level}% interval",
        )
    ax.set_ylabel(unit)
    ax.legend(frameon=False, fontsize=8)
    return ax

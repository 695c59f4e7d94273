"""Charts of trade levels and mirror gaps, shaped like seaborn functions.

Each function takes a frame first and keyword-only options, draws on ``ax`` (or the current
Axes), and returns the Axes, so that notebooks can add titles, annotations or save figures
themselves. Units are stated in the axis label ("USD millions").

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

__all__ = ["UNITS", "plot_trade", "plot_mirror"]

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


def plot_trade(
    data: pd.DataFrame,
    *,
    measures=("export", "import", "turnover"),
    units: str = "millions",
    style: str | None = None,
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
        commodity and source) unless ``style`` names the column that tells lines apart.
    measures : sequence of str, default ("export", "import", "turnover")
        Which of ``"export"``, ``"import"``, ``"turnover"``, ``"balance"`` to draw.
    units : {"millions", "billions", "thousands", "units"}, default "millions"
        Scale of the values; the y-axis label says it ("USD millions").
    style : str, optional
        A column drawn as line styles, e.g. ``"source"`` to compare BNS with COMTRADE.
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
    """
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"plot_trade: expected a DataFrame, got {type(data).__name__}")
    measures = [measures] if isinstance(measures, str) else list(measures)
    unknown = [m for m in measures if m not in MEASURES]
    if unknown or not measures:
        raise ParameterError(
            f"plot_trade: `measures` must be some of {list(MEASURES)}, got {measures!r}"
        )
    scale, label = _scale(units)
    if style is not None and style not in data.columns:
        raise ParameterError(f"plot_trade: `style`={style!r} is not a column of the data")
    _one_series(data, _SERIES, func="plot_trade", style=style)
    keys = [c for c in (*_SERIES, "period") if c in data.columns]
    if style is not None and style not in keys:
        keys.append(style)
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
    ax.set_xlabel("")
    ax.set_ylabel(label)
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

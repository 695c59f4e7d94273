"""Mirror statistics: what a reporter says it traded with a partner, against what the partner says.

Kazakhstan's exports to Mongolia should, in principle, equal Mongolia's imports from
Kazakhstan. They never do: imports are valued CIF (cost, insurance and freight to the
importer's border) and exports FOB (free on board at the exporter's border); goods are
recorded in different months, attributed to different partners (transit, re-exports,
country of origin vs consignment), or missed. :func:`mirror` puts both reports side by side,
optionally converts CIF import values to FOB with a flat factor, and measures the gap.
:func:`mirror_by_source` does so once for every source of the partner's report, each
against the matching source of the reporter's own (:data:`COUNTERPARTS`).

This module compares reports; it does not decide which one is right, estimate CIF/FOB
margins per product or route, or load data (see :mod:`kztrade.datasets`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kztrade.errors import DoubleCountingError, ParameterError
from kztrade.schema import WORLD, frequency, validate

__all__ = ["COLUMNS", "COUNTERPARTS", "mirror", "mirror_by_source"]

#: Columns of the frame :func:`mirror` returns, in order.
COLUMNS: tuple[str, ...] = (
    "period",
    "reporter",
    "partner",
    "commodity",
    "flow",
    "partner_flow",
    "direction",
    "reporter_usd",
    "partner_usd",
    "cif_fob",
    "reporter_fob_usd",
    "partner_fob_usd",
    "discrepancy_usd",
    "discrepancy_rel",
    "reporter_source",
    "partner_source",
    "reporter_estimated",
    "partner_estimated",
    "note",
)

#: For each source of a partner's report, the sources of the reporter's own report it is
#: compared with, in order of preference year by year: the IMF's Direction of Trade
#: Statistics against itself (one compiler, both sides); a national statistics office
#: against the reporter's national statistics: Kazakhstan's Bureau of National Statistics
#: (BNS) where it has the year, otherwise Kazakhstan's submission to UN Comtrade (WITS),
#: which the WITS metadata advise against from 2020 on, where BNS exists.
COUNTERPARTS: dict[str, tuple[str, ...]] = {
    "IMF-DOTS": ("IMF-DOTS",),
    "NSO-MN": ("BNS", "COMTRADE"),
}

_OPPOSITE = {"export": "import", "import": "export"}
_MATCH = ["period", "reporter", "partner", "commodity", "flow"]


def _one_side(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Check one report and reduce it to the columns mirror needs."""
    validate(frame, name=name)
    frame = frame[frame["partner"] != WORLD]
    key = ["period", "reporter", "partner", "flow", "commodity"]
    dup = frame.duplicated(subset=key, keep=False)
    if dup.any():
        sources = sorted(map(str, frame.loc[dup, "source"].unique()))
        first = frame.loc[dup, key].iloc[0]
        example = ", ".join(f"{c}={first[c]}" for c in key)
        if len(sources) > 1:
            fix = (
                f"holds the same figure from several sources {sources}; filter by source "
                f"first, e.g. {name}[{name}['source'] == {sources[0]!r}]"
            )
        else:
            fix = "holds several rows (vintages?) for the same figure; keep one first"
        raise DoubleCountingError(f"mirror: {name} {fix} (e.g. {example})")
    out = frame[key + ["value_usd", "source"]].copy()
    out["flow"] = out["flow"].astype(object)
    out["estimated"] = (
        frame["estimated"].fillna(False).astype(bool).to_numpy()
        if "estimated" in frame.columns
        else False
    )
    return out


def mirror(
    frame_reporter: pd.DataFrame,
    frame_partner: pd.DataFrame,
    *,
    cif_fob: float = 1.0,
    relative_to: str = "mean",
) -> pd.DataFrame:
    """Put a reporter's figures next to its partners' mirror figures, and measure the gap.

    For every period, pair of countries, commodity and direction, the reporter's exports to
    the partner are matched with the partner's imports from the reporter, and the reporter's
    imports from the partner with the partner's exports to the reporter.

    Parameters
    ----------
    frame_reporter : DataFrame
        A tidy frame of the reporter's own statistics, e.g. Kazakhstan's trade by partner
        (reporter ``KAZ``), from one source.
    frame_partner : DataFrame
        A tidy frame of the partners' statistics on trade with that reporter (reporter =
        the partner country, partner = ``KAZ``), from one source per figure. Only the
        country pairs present in ``frame_reporter`` are used.
    cif_fob : float, default 1.0
        Imports are divided by this factor to put them on the exporter's FOB basis
        (1.0 = no adjustment). Common flat choices: 1.06 (IMF Direction of Trade
        Statistics, for its estimates), 1.08, 1.10 (the older IMF convention), 1.12 (FAO).
        Must be >= 1.
    relative_to : {"mean", "partner", "reporter"}, default "mean"
        Denominator of ``discrepancy_rel``: the mean of the two FOB-based figures
        (symmetric, between −2 and 2), or one side's figure.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`: ``flow`` is the reporter's flow and ``partner_flow`` the
        partner's opposite one; ``direction`` reads "KAZ→MNG" (goods from exporter to
        importer); ``reporter_usd``/``partner_usd`` are the figures as reported;
        ``reporter_fob_usd``/``partner_fob_usd`` put the import side on FOB
        (``imports / cif_fob``); ``discrepancy_usd = reporter_fob_usd − partner_fob_usd``
        (positive: the reporter reports more); ``discrepancy_rel`` divides it by the chosen
        denominator; sources and ``estimated`` flags of both sides (``<NA>`` where a side is
        missing); ``note`` says which side is missing or estimated. Rows with partner
        ``WLD`` are dropped (the world has no mirror).

    Raises
    ------
    DoubleCountingError
        If a frame holds the same figure from several sources (filter by source first).
    ParameterError
        On a bad ``cif_fob`` or ``relative_to``, or frames of different frequencies.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> kaz = make_frame({"period": 2019, "reporter": "KAZ", "partner": "MNG",
    ...                   "flow": "export", "commodity": "TOTAL",
    ...                   "value_usd": 58.246573e6, "source": "IMF-DOTS"}, freq="Y")
    >>> mng = make_frame({"period": 2019, "reporter": "MNG", "partner": "KAZ",
    ...                   "flow": "import", "commodity": "TOTAL",
    ...                   "value_usd": 29.108839e6, "source": "IMF-DOTS"}, freq="Y")
    >>> m = mirror(kaz, mng, cif_fob=1.06)
    >>> m[["direction", "reporter_usd", "partner_usd", "partner_fob_usd"]].round(-3)
      direction  reporter_usd  partner_usd  partner_fob_usd
    0   KAZ→MNG    58247000.0   29109000.0       27461000.0
    >>> round(float(m["discrepancy_rel"].iloc[0]), 3)
    0.718
    """
    if isinstance(cif_fob, bool) or not isinstance(cif_fob, (int, float)):
        raise ParameterError(f"mirror: `cif_fob` must be a number such as 1.08, got {cif_fob!r}")
    if not (math.isfinite(cif_fob) and cif_fob >= 1.0):
        raise ParameterError(
            f"mirror: `cif_fob` must be >= 1 (CIF values include freight and insurance on top "
            f"of FOB; 1.0 = no adjustment), got {cif_fob!r}"
        )
    if relative_to not in ("mean", "partner", "reporter"):
        raise ParameterError(
            f"mirror: `relative_to` must be 'mean', 'partner' or 'reporter', got {relative_to!r}"
        )
    own = _one_side(frame_reporter, "frame_reporter")
    other = _one_side(frame_partner, "frame_partner")
    if frequency(frame_reporter) != frequency(frame_partner):
        raise ParameterError(
            f"mirror: frame_reporter is {frequency(frame_reporter)!r} and frame_partner "
            f"{frequency(frame_partner)!r}; compare annual with annual, monthly with monthly"
        )
    own = own.rename(
        columns={
            "value_usd": "reporter_usd",
            "source": "reporter_source",
            "estimated": "reporter_estimated",
        }
    )
    other = other.rename(
        columns={
            "reporter": "partner",
            "partner": "reporter",
            "flow": "partner_flow",
            "value_usd": "partner_usd",
            "source": "partner_source",
            "estimated": "partner_estimated",
        }
    )
    other["flow"] = other["partner_flow"].map(_OPPOSITE)
    pairs = own[["reporter", "partner"]].drop_duplicates()
    other = other.merge(pairs, on=["reporter", "partner"], how="inner")
    own["_own"] = True
    other["_other"] = True
    out = own.merge(other.drop(columns="partner_flow"), on=_MATCH, how="outer", sort=False)
    has_own = out["_own"].fillna(False).astype(bool).to_numpy()
    has_other = out["_other"].fillna(False).astype(bool).to_numpy()
    flow = out["flow"].to_numpy(dtype=object)
    out["partner_flow"] = [_OPPOSITE[f] for f in flow]
    exporter = np.where(flow == "export", out["reporter"], out["partner"])
    importer = np.where(flow == "export", out["partner"], out["reporter"])
    out["direction"] = [f"{x}→{m}" for x, m in zip(exporter, importer, strict=True)]
    r = out["reporter_usd"].to_numpy(dtype="float64")
    p = out["partner_usd"].to_numpy(dtype="float64")
    factor = float(cif_fob)
    out["cif_fob"] = factor
    r_fob = np.where(flow == "import", r / factor, r)
    p_fob = np.where(flow == "export", p / factor, p)
    out["reporter_fob_usd"] = r_fob
    out["partner_fob_usd"] = p_fob
    gap = r_fob - p_fob
    out["discrepancy_usd"] = gap
    denominator = {"mean": (r_fob + p_fob) / 2, "partner": p_fob, "reporter": r_fob}[relative_to]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["discrepancy_rel"] = np.where(denominator != 0, gap / denominator, np.nan)
    for side, present in (("reporter", has_own), ("partner", has_other)):
        col = f"{side}_estimated"
        flags = out[col].astype("boolean")
        out[col] = flags.where(present, pd.NA)
    reporters = out["reporter"].to_numpy(dtype=object)
    partners = out["partner"].to_numpy(dtype=object)
    r_est = out["reporter_estimated"].fillna(False).to_numpy(dtype=bool)
    p_est = out["partner_estimated"].fillna(False).to_numpy(dtype=bool)
    zero_denominator = has_own & has_other & (denominator == 0)
    notes = []
    for i in range(len(out)):
        parts = []
        if not has_own[i]:
            parts.append(f"no report by {reporters[i]}")
        if not has_other[i]:
            parts.append(f"no report by {partners[i]}")
        if r_est[i]:
            parts.append(f"{reporters[i]}'s figure is an estimate")
        if p_est[i]:
            parts.append(f"{partners[i]}'s figure is an estimate")
        if zero_denominator[i]:
            parts.append("both figures are zero: relative discrepancy undefined")
        notes.append("; ".join(parts))
    out["note"] = notes
    out["flow"] = out["flow"].astype(pd.CategoricalDtype(["export", "import"]))
    out = out.sort_values(["reporter", "partner", "commodity", "flow", "period"], kind="stable")
    return out[list(COLUMNS)].reset_index(drop=True)


def _preferred(frame: pd.DataFrame, sources: tuple[str, ...]) -> pd.DataFrame:
    """Per figure, the row of the first source in ``sources`` that has it; none added."""
    rows = frame[frame["source"].isin(sources)]
    rank = rows["source"].map({s: i for i, s in enumerate(sources)})
    key = ["period", "reporter", "partner", "flow", "commodity"]
    order = rows.assign(_rank=rank.to_numpy()).sort_values("_rank", kind="stable")
    kept = order.drop_duplicates(subset=key, keep="first").drop(columns="_rank")
    return kept.sort_index()


def mirror_by_source(
    frame_reporter: pd.DataFrame,
    frame_partner: pd.DataFrame,
    *,
    cif_fob: float = 1.0,
    relative_to: str = "mean",
    counterparts: dict[str, tuple[str, ...]] | None = None,
) -> pd.DataFrame:
    """Compare the reporter's figures with every source of the partner's, one pair at a time.

    Each source of ``frame_partner`` is compared by :func:`mirror` with the reporter's
    figures from its counterpart sources (:data:`COUNTERPARTS`), taken year by year from
    the first counterpart that has the figure. Figures of different sources are never
    added or averaged: each row holds one figure a side, and says its sources.

    Parameters
    ----------
    frame_reporter : DataFrame
        A tidy frame of the reporter's own statistics, any number of sources.
    frame_partner : DataFrame
        A tidy frame of the partners' statistics on trade with the reporter, any number of
        sources.
    cif_fob, relative_to
        As in :func:`mirror`.
    counterparts : dict, optional
        Partner source → reporter sources in order of preference; :data:`COUNTERPARTS` by
        default.

    Returns
    -------
    DataFrame
        ``comparison`` (the partner's source), then the columns of :func:`mirror`, one
        block per partner source in the order of ``counterparts``. For a partner source
        other than IMF DOTS only the flows and years that source publishes are compared
        (a national office may publish one direction only).

    Raises
    ------
    ParameterError
        If a partner source has no counterpart, or as :func:`mirror`.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> kaz = make_frame({"period": [2019, 2020, 2020], "reporter": "KAZ", "partner": "MNG",
    ...                   "flow": "import", "commodity": "TOTAL",
    ...                   "value_usd": [1.75e6, 1.80e6, 1.87e6],
    ...                   "source": ["COMTRADE", "COMTRADE", "BNS"]}, freq="Y")
    >>> mng = make_frame({"period": [2019, 2020], "reporter": "MNG", "partner": "KAZ",
    ...                   "flow": "export", "commodity": "TOTAL",
    ...                   "value_usd": [6.23e6, 1.39e6], "source": "NSO-MN"}, freq="Y")
    >>> m = mirror_by_source(kaz, mng, cif_fob=1.06)
    >>> m[["comparison", "period", "reporter_source", "reporter_usd", "partner_source"]]
      comparison period reporter_source  reporter_usd partner_source
    0     NSO-MN   2019        COMTRADE     1750000.0         NSO-MN
    1     NSO-MN   2020             BNS     1870000.0         NSO-MN
    """
    counterparts = COUNTERPARTS if counterparts is None else counterparts
    validate(frame_partner, name="frame_partner")
    validate(frame_reporter, name="frame_reporter")
    partner_sources = [str(s) for s in pd.unique(frame_partner["source"])]
    unknown = sorted(set(partner_sources) - set(counterparts))
    if unknown:
        raise ParameterError(
            f"mirror_by_source: frame_partner column 'source' holds {unknown}, which have no "
            f"counterpart among the reporter's sources; pass counterparts={{{unknown[0]!r}: "
            "('BNS',)}} or leave those rows out"
        )
    blocks = []
    for source in [s for s in counterparts if s in partner_sources]:
        other = frame_partner[frame_partner["source"] == source]
        own = _preferred(frame_reporter, tuple(counterparts[source]))
        if source != "IMF-DOTS":
            # only what this source publishes: the mirrored flows, within its years
            named = other[other["partner"] != WORLD]
            flows = {_OPPOSITE[str(f)] for f in named["flow"].astype(object)}
            own = own[own["flow"].astype(object).isin(flows)]
            if not named.empty:
                inside = own["period"].between(named["period"].min(), named["period"].max())
                own = own[inside.to_numpy()]
        result = mirror(own, other, cif_fob=cif_fob, relative_to=relative_to)
        result.insert(0, "comparison", source)
        blocks.append(result)
    if not blocks:
        empty = mirror(frame_reporter.iloc[:0], frame_partner.iloc[:0], cif_fob=cif_fob)
        empty.insert(0, "comparison", pd.Series(dtype=object))
        return empty
    return pd.concat(blocks, ignore_index=True)

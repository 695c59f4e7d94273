"""Growth and structure of trade: the figures economists quote, computed exactly and honestly.

Every function takes a tidy trade frame (:mod:`kztrade.schema`) first, options keyword-only,
and returns a new frame; the input is never modified.

* Levels: :func:`turnover` (exports, imports, turnover, balance, coverage side by side) and
  :func:`with_turnover` (the same measures as extra ``flow`` rows, so that every measure
  below applies to turnover and balance too).
* Growth: :func:`yoy` (on the same period a year earlier), :func:`ytd` (January to a month,
  against the same months a year earlier), :func:`cagr` and :func:`index`.
* Structure: :func:`shares`, :func:`contributions` (to the total's growth, in percentage
  points), :func:`top_n` (with an explicit "other" row) and :func:`hhi`.

Honesty rules shared by all of them:

* A growth rate whose base is missing, zero or negative is NaN (or infinite for a zero base
  that grew), never a crash, and its ``note`` says why. Bases below a stated threshold are
  flagged ``low_base`` (:class:`LowBase`).
* Every sum refuses to count trade twice: aggregate rows (partner ``WLD`` next to countries,
  commodity ``TOTAL`` next to chapters, an HS code next to its own sub-codes), several
  sources or vintages of the same figure raise :class:`~kztrade.errors.DoubleCountingError`
  unless the grouping keeps them apart.

This module does not read, clean or fill data (see :mod:`kztrade.cleaning`), choose between
sources, or draw charts (see :mod:`kztrade.plotting`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kztrade.cleaning import aggregates_beside_parts
from kztrade.errors import DoubleCountingError, ParameterError, SchemaError
from kztrade.schema import FLOWS, KEY, TOTAL, frequency, validate

__all__ = [
    "MEASURES",
    "MEASURE_DTYPE",
    "DEFAULT_BY",
    "LowBase",
    "turnover",
    "with_turnover",
    "yoy",
    "ytd",
    "cagr",
    "index",
    "shares",
    "contributions",
    "top_n",
    "hhi",
]

#: The measures a frame made by :func:`with_turnover` holds in its ``flow`` column.
MEASURES: tuple[str, ...] = ("export", "import", "turnover", "balance")
#: The categorical dtype of that ``flow`` column.
MEASURE_DTYPE = pd.CategoricalDtype(list(MEASURES))
#: Default grouping of the growth functions: every column of the key but ``period``.
DEFAULT_BY: tuple[str, ...] = ("reporter", "partner", "flow", "commodity", "source")

_DERIVED = ("turnover", "balance")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WITHIN = ("period", "reporter", "flow", "source")


# --------------------------------------------------------------------------- low-base rule


@dataclass(frozen=True)
class LowBase:
    """When the base of a growth rate is too small for the rate to mean much.

    A growth figure is flagged ``low_base`` when its base is below ``annual_usd`` (scaled to
    the length of the period) or, if ``share`` is set, below that fraction of its group's
    total in the base period. Flags never change a figure; they travel with it.

    Parameters
    ----------
    annual_usd : float or None, default 1_000_000
        Absolute threshold in US dollars per year. A base covering fewer months is compared
        with a proportional threshold: ``annual_usd / 12`` for a month, ``annual_usd * 4 / 12``
        for January–April. None switches the absolute rule off.
    share : float or None, default None
        Relative threshold, a fraction in (0, 1): e.g. 0.001 flags a partner whose base is
        below 0.1 % of the sum over all partners in the base period. Off by default, because
        the group total is only meaningful when the frame holds the whole group.
    share_of : str, default "partner"
        The column whose items make up the group total for ``share``. It must be one of the
        ``by`` columns of the growth function; the total sums its items within the other
        ``by`` columns and the base period (and refuses to double count).

    Examples
    --------
    >>> LowBase()
    LowBase(annual_usd=1000000.0, share=None, share_of='partner')
    >>> LowBase(annual_usd=None, share=0.001, share_of="commodity").share
    0.001
    """

    annual_usd: float | None = 1_000_000.0
    share: float | None = None
    share_of: str = "partner"

    def __post_init__(self) -> None:
        if self.annual_usd is not None:
            if isinstance(self.annual_usd, bool) or not isinstance(self.annual_usd, (int, float)):
                raise ParameterError(
                    f"LowBase.annual_usd must be a number of US dollars or None, "
                    f"got {self.annual_usd!r}"
                )
            if not (math.isfinite(self.annual_usd) and self.annual_usd >= 0):
                raise ParameterError(
                    f"LowBase.annual_usd must be a finite number >= 0, got {self.annual_usd!r}"
                )
            object.__setattr__(self, "annual_usd", float(self.annual_usd))
        if self.share is not None:
            if isinstance(self.share, bool) or not isinstance(self.share, (int, float)):
                raise ParameterError(
                    f"LowBase.share must be a fraction between 0 and 1 or None, got {self.share!r}"
                )
            if not 0 < self.share < 1:
                raise ParameterError(
                    f"LowBase.share must be a fraction between 0 and 1 (0.001 = 0.1 %), "
                    f"got {self.share!r}"
                )
        if not isinstance(self.share_of, str):
            raise ParameterError(f"LowBase.share_of must be a column name, got {self.share_of!r}")


def _low_base_rule(low_base) -> LowBase:
    if isinstance(low_base, LowBase):
        return low_base
    if low_base is None or low_base is False:
        return LowBase(annual_usd=None, share=None)
    if isinstance(low_base, (int, float)) and not isinstance(low_base, bool):
        return LowBase(annual_usd=float(low_base))
    raise ParameterError(
        f"`low_base` must be a LowBase(...), a number of US dollars per year, or None to "
        f"switch the flags off; got {low_base!r}"
    )


# --------------------------------------------------------------------------- small helpers


def _columns(value, name: str) -> list[str]:
    """Normalise a column-name parameter to a list of names."""
    if isinstance(value, str):
        return [value]
    try:
        cols = list(value)
    except TypeError:
        raise ParameterError(
            f"`{name}` must be a column name or a sequence of column names, got {value!r}"
        ) from None
    bad = [c for c in cols if not isinstance(c, str)]
    if bad:
        raise ParameterError(f"`{name}` must hold column names (str), got {bad!r}")
    if len(set(cols)) != len(cols):
        raise ParameterError(f"`{name}` names a column twice: {cols!r}")
    return cols


def _check_frame(frame, func: str, params: dict[str, Iterable[str]]) -> str:
    """Check the frame's basic shape and the columns named by parameters; return its freq."""
    if not isinstance(frame, pd.DataFrame):
        raise SchemaError(f"{func}: expected a pandas DataFrame, got {type(frame).__name__}")
    for col in ("period", "value_usd"):
        if col not in frame.columns:
            raise SchemaError(
                f"{func}: the frame has no column {col!r}; pass a tidy trade frame "
                "(kztrade.schema.make_frame or a kztrade loader)"
            )
    if not pd.api.types.is_numeric_dtype(frame["value_usd"]):
        raise SchemaError(
            f"{func}: column 'value_usd' has dtype {frame['value_usd'].dtype}, expected float64"
        )
    try:
        freq = frequency(frame)
    except SchemaError as exc:
        raise SchemaError(f"{func}: {exc}") from None
    for param, cols in params.items():
        if "value_usd" in cols:
            raise ParameterError(
                f"{func}: `{param}` names 'value_usd', the values themselves; name key "
                "columns such as 'partner', 'flow' or 'commodity'"
            )
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ParameterError(
                f"{func}: `{param}` names column(s) {missing} that the frame does not have; "
                f"it has {list(frame.columns)}"
            )
    return freq


def _with_key(frame: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Return keys to group or merge on, adding a constant column when ``keys`` is empty."""
    if keys:
        return frame, keys
    return frame.assign(_all=0), ["_all"]


def _merge(left: pd.DataFrame, right: pd.DataFrame, on: list[str], how: str) -> pd.DataFrame:
    left, keys = _with_key(left, list(on))
    right, _ = _with_key(right, list(on))
    out = left.merge(right, on=keys, how=how, sort=False)
    return out.drop(columns="_all") if "_all" in out.columns else out


def _group_total(frame: pd.DataFrame, keys: list[str], col: str = "value_usd") -> pd.Series:
    """Group sums broadcast to the rows; NaN when any summand is NaN (never skipped)."""
    work, gkeys = _with_key(frame[[c for c in keys] + [col]], keys)
    grouped = work.groupby(gkeys, observed=True, sort=False, dropna=False)[col]
    total = grouped.transform("sum")
    has_nan = work[col].isna().groupby([work[k] for k in gkeys], observed=True).transform("any")
    return total.mask(has_nan.to_numpy())


def _usd(x: float) -> str:
    """Format a dollar amount the way notes quote it: 1.25 bn USD, 0.90 M USD, 83.3 k USD."""
    if not np.isfinite(x):
        return str(x)
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:.2f} bn USD"
    if a >= 1e5:
        return f"{x / 1e6:.2f} M USD"
    if a >= 1e3:
        return f"{x / 1e3:.1f} k USD"
    return f"{x:.0f} USD"


def _join_notes(*parts) -> np.ndarray:
    """Join per-row note arrays with '; ', skipping empty ones."""
    if not parts:
        return np.array([], dtype=object)
    rows = zip(*[np.asarray(p, dtype=object) for p in parts], strict=True)
    return np.array(["; ".join(s for s in row if s) for row in rows], dtype=object)


def _notes_where(mask, texts) -> np.ndarray:
    """Per-row note: ``texts`` (array or str) where ``mask``, "" elsewhere."""
    mask = np.asarray(mask, dtype=bool)
    if isinstance(texts, str):
        return np.where(mask, texts, "").astype(object)
    texts = np.asarray(texts, dtype=object)
    out = np.full(len(mask), "", dtype=object)
    out[mask] = texts[mask]
    return out


def _text(series: pd.Series) -> np.ndarray:
    """A column of optional notes as an object array, "" where missing."""
    obj = series.astype(object)
    return obj.where(obj.notna(), "").astype(str).to_numpy(dtype=object)


def _months_per_period(freq: str) -> int:
    return 12 if freq == "Y" else 1


def _as_period(value, freq: str, name: str, *, allow_year: bool = False) -> pd.Period:
    """Parse a period parameter (Period, int year, '2021', '2021-04') for a frame of ``freq``."""
    if isinstance(value, bool):
        raise ParameterError(f"`{name}` must be a period such as 2021 or '2021-04', got {value!r}")
    if isinstance(value, pd.Period):
        p = value
    elif isinstance(value, (int, np.integer)) and 1000 <= int(value) <= 9999:
        p = pd.Period(str(int(value)), freq="Y")
    elif isinstance(value, str) and re.fullmatch(r"\d{4}", value.strip()):
        p = pd.Period(value.strip(), freq="Y")
    elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value.strip()):
        try:
            p = pd.Period(value.strip(), freq="M")
        except ValueError:
            raise ParameterError(f"`{name}`={value!r} is not a valid month") from None
    else:
        raise ParameterError(
            f"`{name}` must be a period such as 2021, '2021' or '2021-04' (or a pandas "
            f"Period), got {value!r}"
        )
    code = "Y" if p.freqstr.startswith(("Y", "A")) else "M" if p.freqstr.startswith("M") else ""
    if code == freq or (allow_year and code == "Y"):
        return p.asfreq("Y") if code == "Y" else p
    if freq == "M":
        raise ParameterError(
            f"`{name}`={value!r} is a year but the frame is monthly; give a month such as "
            f"'{p.year}-01'"
        )
    raise ParameterError(
        f"`{name}`={value!r} is a month but the frame is annual; give a year such as {p.year}"
    )


# --------------------------------------------------------------------------- double counting


def _describe(frame: pd.DataFrame, position: int, keep: list[str]) -> str:
    if not keep:
        return "the whole frame"
    return ", ".join(f"{c}={frame[c].iloc[position]}" for c in keep)


def _check_double_counting(
    frame: pd.DataFrame,
    keep: Iterable[str],
    *,
    func: str,
    param: str | None,
) -> None:
    """Raise DoubleCountingError if summing ``frame`` within groups of ``keep`` counts twice.

    ``param`` names the parameter to which the user may add a column to keep rows apart.
    """
    keep = [c for c in keep if c in frame.columns]
    if len(frame) == 0:
        return
    if keep:
        gid = frame.groupby(keep, observed=True, sort=False, dropna=False).ngroup()
    else:
        gid = pd.Series(0, index=frame.index)

    def fail(bad_rows: pd.Series, what: str, fix: str, column: str | None) -> None:
        groups = int(gid[bad_rows].nunique())
        first = int(np.flatnonzero(bad_rows.to_numpy())[0])
        add = f", or add {column!r} to `{param}`" if (param and column) else ""
        raise DoubleCountingError(
            f"{func} would add up {what} in {groups} group(s), e.g. "
            f"{_describe(frame, first, keep)}; {fix}{add}"
        )

    key_cols = [c for c in KEY if c in frame.columns]
    if "vintage" in frame.columns and "vintage" in keep:
        key_cols.append("vintage")
    dup = frame.duplicated(subset=key_cols, keep=False)
    if dup.any():
        if "vintage" in frame.columns and "vintage" not in keep:
            fail(
                dup,
                "several vintages of the same observation",
                "keep one vintage (e.g. the latest) before summing",
                "vintage",
            )
        fail(
            dup,
            f"duplicate rows of the same observation {key_cols}",
            "remove the duplicates first (kztrade.cleaning lists them)",
            None,
        )

    if "flow" in frame.columns and "flow" not in keep:
        derived = frame["flow"].astype(object).isin(_DERIVED)
        if derived.any():
            fail(
                derived,
                "'turnover'/'balance' rows together with exports and imports",
                "select one measure first, e.g. frame[frame['flow'] == 'turnover']",
                "flow",
            )

    # Aggregates beside their parts: the same rule as kztrade.cleaning.is_aggregate, applied
    # to the groups this sum keeps apart.
    if "partner" in frame.columns and "partner" not in keep:
        found = aggregates_beside_parts(frame, of="partner", within=keep)
        if found.aggregate.any():
            bad = pd.Series(found.aggregate | found.part, index=frame.index)
            others = frame.loc[found.part, "partner"]
            example = sorted(map(str, others.unique()))[:3]
            fail(
                bad,
                f"partner 'WLD' (the world total) and individual partners such as {example}",
                "drop the aggregate rows (frame[frame['partner'] != 'WLD']) or keep only them",
                "partner",
            )

    if "commodity" in frame.columns and "commodity" not in keep:
        found = aggregates_beside_parts(frame, of="commodity", within=keep)
        total = found.aggregate & (frame["commodity"] == TOTAL).to_numpy()
        if total.any():
            in_groups = np.isin(found.group, found.group[total])
            parts = found.part & in_groups & (frame["commodity"] != TOTAL).to_numpy()
            example = sorted(map(str, frame.loc[parts, "commodity"].unique()))[:3]
            fail(
                pd.Series(total | parts, index=frame.index),
                f"commodity 'TOTAL' and HS codes such as {example}",
                "drop the 'TOTAL' rows (frame[frame['commodity'] != 'TOTAL']) or keep only them",
                "commodity",
            )
        if found.aggregate.any():
            parent, sub = found.pair
            fail(
                pd.Series(found.aggregate | found.part, index=frame.index),
                f"HS code {parent!r} and its own sub-code {sub!r}",
                "keep one level of detail, e.g. frame[frame['commodity'].str.len() == 2]",
                "commodity",
            )

    if "source" in frame.columns and "source" not in keep and frame["source"].nunique() > 1:
        n_sources = frame["source"].groupby(gid).transform("nunique")
        bad = n_sources > 1
        if bad.any():
            names = sorted(map(str, frame.loc[bad, "source"].unique()))
            fail(
                bad,
                f"rows of several sources {names}",
                f"filter by source first, e.g. frame[frame['source'] == {names[0]!r}]",
                "source",
            )


def _aggregate(frame: pd.DataFrame, keys: list[str], *, func: str, param: str | None):
    """Sum ``value_usd`` within ``keys`` after the double-counting check.

    NaN values propagate (a sum with an unknown part is unknown). ``estimated`` is carried
    as "any part estimated"; ``commodity_name`` is carried when ``commodity`` is a key.
    """
    keys = list(keys)
    _check_double_counting(frame, keys, func=func, param=param)
    extra = []
    if "estimated" in frame.columns:
        extra.append("estimated")
    if "commodity" in keys and "commodity_name" in frame.columns:
        extra.append("commodity_name")
    work = frame[keys + ["value_usd"] + extra].assign(_nan=frame["value_usd"].isna())
    work, gkeys = _with_key(work, keys)
    spec = {"value_usd": ("value_usd", "sum"), "_nan": ("_nan", "any")}
    if "estimated" in extra:
        spec["estimated"] = ("estimated", "any")
    if "commodity_name" in extra:
        spec["commodity_name"] = ("commodity_name", "first")
    out = work.groupby(gkeys, observed=True, sort=True, dropna=False).agg(**spec).reset_index()
    out["value_usd"] = out["value_usd"].mask(out["_nan"]).astype("float64")
    out = out.drop(columns=["_nan"] + (["_all"] if "_all" in out.columns else []))
    return out


def _order(frame: pd.DataFrame, first: list[str], rest: list[str]) -> pd.DataFrame:
    """Put the key columns first (with commodity_name after commodity), then ``rest``."""
    cols = []
    for c in first:
        cols.append(c)
        if c == "commodity" and "commodity_name" in frame.columns:
            cols.append("commodity_name")
    tail = [c for c in rest if c in frame.columns and c not in cols]
    return frame[cols + tail].reset_index(drop=True)


# --------------------------------------------------------------------------- growth core


def _growth(value: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Growth as a fraction with explicit handling of unknown, zero and negative bases."""
    value = np.asarray(value, dtype="float64")
    base = np.asarray(base, dtype="float64")
    ok = np.isfinite(value) & np.isfinite(base)
    zero = ok & (base == 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        growth = np.where(ok & (base > 0), value / base - 1.0, np.nan)
        growth = np.where(zero & (value != 0), np.sign(value) * np.inf, growth)
    negative = ok & (base < 0)
    notes = _join_notes(
        _notes_where(zero & (value != 0), "base is zero: growth is infinite"),
        _notes_where(zero & (value == 0), "zero in both periods: growth undefined"),
        _notes_where(negative, "base is negative: growth rate undefined, see change_usd"),
    )
    return growth, notes


def _low_base_flags(
    result: pd.DataFrame,
    values: pd.DataFrame,
    *,
    rule: LowBase,
    by: list[str],
    months: int,
    func: str,
    base_col: str = "base_usd",
    base_period_col: str = "base_period",
) -> tuple[np.ndarray, np.ndarray]:
    """Flag rows of ``result`` whose base is below the rule's thresholds."""
    base = result[base_col].to_numpy(dtype="float64")
    known = np.isfinite(base)
    flags = np.zeros(len(result), dtype=bool)
    notes = []
    if rule.annual_usd is not None:
        threshold = rule.annual_usd * months / 12
        low = known & (np.abs(base) < threshold)
        flags |= low
        texts = np.array(
            [
                f"low base: {_usd(b)} below {_usd(threshold)}" if f else ""
                for b, f in zip(base, low, strict=True)
            ],
            dtype=object,
        )
        notes.append(texts)
    if rule.share is not None:
        if rule.share_of not in by:
            raise ParameterError(
                f"{func}: low_base.share_of={rule.share_of!r} must be one of the `by` columns "
                f"{by}; the group total sums its items"
            )
        group = [c for c in by if c != rule.share_of]
        _check_double_counting(
            values, group + ["period"], func=f"{func} (low_base.share)", param=None
        )
        totals = (
            values[group + ["period"]]
            .assign(_total=_group_total(values, group + ["period"]))
            .drop_duplicates(subset=group + ["period"])
        )
        totals = totals.rename(columns={"period": base_period_col})
        merged = _merge(
            result[group + [base_period_col]], totals, on=group + [base_period_col], how="left"
        )
        total = merged["_total"].to_numpy(dtype="float64")
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            share = np.where(total > 0, np.abs(base) / total, np.nan)
        low = known & np.isfinite(share) & (share < rule.share)
        flags |= low
        texts = np.array(
            [
                f"low base: {s:.2%} of the group total, below {rule.share:.2%}" if f else ""
                for s, f in zip(share, low, strict=True)
            ],
            dtype=object,
        )
        notes.append(texts)
    return flags, _join_notes(*notes) if notes else np.full(len(result), "", dtype=object)


def _lag(freq: str, periods: int) -> int:
    return periods * (12 if freq == "M" else 1)


def _check_periods(periods) -> int:
    if isinstance(periods, bool) or not isinstance(periods, (int, np.integer)) or periods < 1:
        raise ParameterError(
            f"`periods` must be a whole number of years >= 1 (1 = a year earlier), got {periods!r}"
        )
    return int(periods)


# --------------------------------------------------------------------------- turnover


def turnover(frame: pd.DataFrame, *, by=("period", "reporter", "partner", "commodity", "source")):
    """Exports, imports, turnover, balance and coverage side by side.

    Turnover is exports + imports, the balance exports − imports, and the coverage ratio
    exports / imports. Rows of the frame are summed within ``by`` and flow (with the
    double-counting checks of this module); rows with other ``flow`` values (``turnover``,
    ``balance``) are ignored, since they derive from exports and imports.

    Parameters
    ----------
    frame : DataFrame
        A tidy trade frame (annual or monthly).
    by : sequence of str, default ("period", "reporter", "partner", "commodity", "source")
        Columns that identify each output row. ``flow`` may not be among them.

    Returns
    -------
    DataFrame
        The ``by`` columns, then ``export``, ``import``, ``turnover``, ``balance``,
        ``coverage`` (floats, USD except the ratio), ``estimated`` (if the frame has it:
        True when any part is an estimate) and ``note``. A flow with no rows gives NaN
        turnover, balance and coverage, and the note says which flow is missing; a
        coverage over zero imports is ``inf`` (NaN if exports are zero too), noted.

    Raises
    ------
    DoubleCountingError
        If the sum within ``by`` would add aggregates to their parts or mix sources.
    ParameterError
        If ``by`` names ``flow`` or columns the frame does not have.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": [2020, 2020, 2021, 2021], "reporter": "KAZ",
    ...                 "partner": "MNG", "flow": ["export", "import"] * 2,
    ...                 "commodity": "TOTAL", "source": "BNS",
    ...                 "value_usd": [27.433e6, 1.874e6, 54.689e6, 2.441e6]}, freq="Y")
    >>> t = turnover(f)
    >>> (t["turnover"] / 1e6).round(3).tolist()
    [29.307, 57.13]
    >>> t["coverage"].round(1).tolist()
    [14.6, 22.4]
    """
    by = _columns(by, "by")
    _check_frame(frame, "turnover", {"by": by})
    if "flow" in by:
        raise ParameterError(
            "turnover: `by` must not include 'flow'; exports and imports become columns"
        )
    if not by:
        raise ParameterError("turnover: `by` needs at least one column, usually 'period'")
    if "flow" not in frame.columns:
        raise SchemaError("turnover: the frame has no column 'flow'")
    flows = frame[frame["flow"].astype(object).isin(FLOWS)]
    values = _aggregate(flows, by + ["flow"], func="turnover", param="by")
    values["flow"] = values["flow"].astype(object)
    keep = by + (["estimated"] if "estimated" in values.columns else [])
    exp = values.loc[values["flow"] == "export", keep + ["value_usd"]].rename(
        columns={"value_usd": "export", "estimated": "_est_x"}
    )
    imp = values.loc[values["flow"] == "import", keep + ["value_usd"]].rename(
        columns={"value_usd": "import", "estimated": "_est_m"}
    )
    if "commodity_name" in values.columns:
        exp["_name_x"] = values.loc[values["flow"] == "export", "commodity_name"].to_numpy()
        imp["_name_m"] = values.loc[values["flow"] == "import", "commodity_name"].to_numpy()
    out = _merge(exp, imp, on=by, how="outer").sort_values(by, kind="stable")
    if "_name_x" in out.columns:
        out["commodity_name"] = out["_name_x"].fillna(out["_name_m"])
    x = out["export"].to_numpy(dtype="float64")
    m = out["import"].to_numpy(dtype="float64")
    out["turnover"] = x + m
    out["balance"] = x - m
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        coverage = np.where(m > 0, x / m, np.nan)
    coverage = np.where((m == 0) & (x > 0), np.inf, coverage)
    out["coverage"] = coverage
    if "_est_x" in out.columns:
        out["estimated"] = out["_est_x"].fillna(False).astype(bool) | out["_est_m"].fillna(
            False
        ).astype(bool)
    out["note"] = _join_notes(
        _notes_where(np.isnan(x), "no export rows"),
        _notes_where(np.isnan(m), "no import rows"),
        _notes_where((m == 0) & (x > 0), "imports are zero: coverage is infinite"),
        _notes_where((m == 0) & (x == 0), "no trade in either direction: coverage undefined"),
    )
    return _order(
        out, by, ["export", "import", "turnover", "balance", "coverage", "estimated", "note"]
    )


def with_turnover(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``turnover`` and ``balance`` rows to a tidy frame, so every measure applies to them.

    For each period, reporter, partner, commodity and source (and vintage, if the frame has
    one) the frame gets a ``turnover`` row (export + import) and a ``balance`` row
    (export − import) next to its export and import rows; ``flow`` becomes a categorical of
    :data:`MEASURES`. The result is no longer a tidy frame in the strict sense (balances
    can be negative, flows are not only exports and imports): pass it to :func:`yoy`,
    :func:`ytd`, :func:`cagr` or :func:`index` with ``flow`` among the ``by`` columns.

    Parameters
    ----------
    frame : DataFrame
        A tidy trade frame with export and import rows only (validated).

    Returns
    -------
    DataFrame
        The frame's rows plus the derived ones, sorted by key and measure, with a ``note``
        column: "" on the input's rows; on derived rows the reason when one flow is missing,
        in which case the derived value is NaN (never half a sum). ``estimated`` (if
        present) is True when either flow is an estimate; quantities and weights of derived
        rows are left empty.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": [2021, 2021], "reporter": "KAZ", "partner": "MNG",
    ...                 "flow": ["export", "import"], "commodity": "TOTAL",
    ...                 "value_usd": [54.689e6, 2.441e6], "source": "BNS"}, freq="Y")
    >>> t = with_turnover(f)
    >>> t["flow"].tolist()
    ['export', 'import', 'turnover', 'balance']
    >>> (t["value_usd"] / 1e6).round(3).tolist()
    [54.689, 2.441, 57.13, 52.248]
    """
    if isinstance(frame, pd.DataFrame) and "flow" in frame.columns:
        derived = frame["flow"].astype(object).isin(_DERIVED)
        if derived.any():
            raise ParameterError(
                "with_turnover: the frame already holds 'turnover'/'balance' rows; "
                "pass the tidy frame of exports and imports"
            )
    validate(frame, name="with_turnover frame")
    key = ["period", "reporter", "partner", "commodity", "source"]
    if "vintage" in frame.columns:
        key.append("vintage")
    wide = turnover(frame, by=key)
    derived_rows = []
    for measure in _DERIVED:
        part = wide[key].copy()
        part["flow"] = measure
        part["value_usd"] = wide[measure].to_numpy()
        if "estimated" in wide.columns:
            part["estimated"] = wide["estimated"].to_numpy()
        if "commodity_name" in wide.columns:
            part["commodity_name"] = wide["commodity_name"].to_numpy()
        part["note"] = wide["note"].to_numpy()
        derived_rows.append(part)
    original = frame.assign(note="")
    out = pd.concat([original, *derived_rows], ignore_index=True)
    out["flow"] = out["flow"].astype(object).astype(MEASURE_DTYPE)
    if "estimated" in out.columns:
        out["estimated"] = out["estimated"].fillna(False).astype(bool)
    out = out.sort_values(key + ["flow"], kind="stable").reset_index(drop=True)
    return out[list(frame.columns) + ["note"]]


# --------------------------------------------------------------------------- yoy


def yoy(
    frame: pd.DataFrame,
    *,
    by=DEFAULT_BY,
    periods: int = 1,
    low_base=LowBase(),  # noqa: B008 - immutable
) -> pd.DataFrame:
    """Growth on the same period a year earlier, with its base and a low-base flag.

    Annual frames compare each year with the previous one; monthly frames compare each
    month with the same month a year earlier (April 2022 with April 2021). Values are first
    summed within ``by`` and period (refusing to double count).

    Parameters
    ----------
    frame : DataFrame
        A tidy trade frame, or one made by :func:`with_turnover`.
    by : sequence of str, default ("reporter", "partner", "flow", "commodity", "source")
        Columns that identify a series; columns left out are summed over.
    periods : int, default 1
        How many years back the base lies (2 = two years earlier).
    low_base : LowBase, float or None, default LowBase()
        Thresholds for the ``low_base`` flag (see :class:`LowBase`): by default a base
        below 1 M USD a year (83.3 k USD a month) is flagged. A number sets the annual
        threshold in USD; None switches the flag off.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``period``, ``value_usd``, ``base_period``, ``base_usd``,
        ``change_usd`` (value − base), ``growth`` (a fraction: 0.481 = +48.1 %),
        ``low_base`` (bool), ``estimated`` (if the frame has it: value or base estimated)
        and ``note`` (why growth is NaN or infinite, or why it is flagged; "" otherwise).
        Every period of every series gets a row; a missing base gives NaN growth with the
        note "no value for <period>".

    Raises
    ------
    DoubleCountingError
        If summing within ``by`` would count trade twice.
    ParameterError
        On a bad ``by``, ``periods`` or ``low_base``.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": [2020, 2020, 2021, 2021], "reporter": "KAZ",
    ...                 "partner": "MNG", "flow": ["export", "import"] * 2,
    ...                 "commodity": "TOTAL", "source": "BNS",
    ...                 "value_usd": [27.433e6, 1.874e6, 54.689e6, 2.441e6]}, freq="Y")
    >>> g = yoy(f)
    >>> g.assign(growth=g["growth"].round(3))[["flow", "period", "growth", "low_base"]]
         flow period  growth  low_base
    0  export   2020     NaN     False
    1  export   2021   0.994     False
    2  import   2020     NaN     False
    3  import   2021   0.303     False
    >>> g["note"].iloc[0]
    'no value for 2019'
    >>> yoy(f, by=("reporter", "partner"))["growth"].round(3).tolist()  # turnover
    [nan, 0.949]
    """
    by = _columns(by, "by")
    if "period" in by:
        raise ParameterError("yoy: `by` must not include 'period'; every period gets a row")
    freq = _check_frame(frame, "yoy", {"by": by})
    periods = _check_periods(periods)
    rule = _low_base_rule(low_base)
    values = _aggregate(frame, by + ["period"], func="yoy", param="by")
    lag = _lag(freq, periods)
    out = values.copy()
    out["base_period"] = out["period"] - lag
    base_cols = by + ["period", "value_usd"] + (["estimated"] if "estimated" in values else [])
    base = values[base_cols].rename(
        columns={"period": "base_period", "value_usd": "base_usd", "estimated": "_base_est"}
    )
    base["_has_base"] = True
    out = _merge(out, base, on=by + ["base_period"], how="left")
    return _finish_growth(
        out, values, by=by, rule=rule, months=_months_per_period(freq), func="yoy"
    )


def _finish_growth(
    out: pd.DataFrame,
    values: pd.DataFrame,
    *,
    by: list[str],
    rule: LowBase,
    months: int,
    func: str,
    base_labels=None,
    value_notes=None,
    base_notes=None,
    first: list[str] | None = None,
) -> pd.DataFrame:
    """Add change, growth, low-base flag and notes to a frame of values and bases."""
    n = len(out)
    has_base = out["_has_base"].fillna(False).astype(bool).to_numpy()
    value = out["value_usd"].to_numpy(dtype="float64")
    base = out["base_usd"].to_numpy(dtype="float64")
    if base_labels is None:
        base_labels = out["base_period"].astype(str).to_numpy()
    value_notes = np.full(n, "", dtype=object) if value_notes is None else value_notes
    base_notes = np.full(n, "", dtype=object) if base_notes is None else base_notes
    growth, growth_notes = _growth(value, base)
    out["change_usd"] = value - base
    out["growth"] = growth
    if "_base_est" in out.columns:
        out["estimated"] = out["estimated"].fillna(False).astype(bool) | out["_base_est"].fillna(
            False
        ).astype(bool)
    flags, low_notes = _low_base_flags(out, values, rule=rule, by=by, months=months, func=func)
    out["low_base"] = flags
    no_base = np.array([f"no value for {p}" for p in base_labels], dtype=object)
    explained_value = np.array([bool(t) for t in value_notes], dtype=bool)
    explained_base = np.array([bool(t) for t in base_notes], dtype=bool)
    out["note"] = _join_notes(
        value_notes,
        _notes_where(np.isnan(value) & ~explained_value, "value unknown (see the input's note)"),
        _notes_where(~has_base, no_base),
        base_notes,
        _notes_where(
            has_base & np.isnan(base) & ~explained_base, "base value unknown (see the input's note)"
        ),
        growth_notes,
        low_notes,
    )
    rest = ["value_usd", "base_period", "base_usd", "change_usd", "growth", "low_base"]
    rest += ["estimated", "note"]
    first = first if first is not None else by + ["period"]
    out = out.sort_values(first, kind="stable")
    return _order(out, first, rest)


# --------------------------------------------------------------------------- ytd


def _parse_through(through) -> tuple[int, int | None]:
    if isinstance(through, bool):
        raise ParameterError(
            f"`through` must be a month 1..12 or a month like '2022-04', got {through!r}"
        )
    if isinstance(through, (int, np.integer)):
        if not 1 <= through <= 12:
            raise ParameterError(
                f"`through` must be a month number from 1 (January) to 12 (December), "
                f"got {through!r}"
            )
        return int(through), None
    if isinstance(through, str) and re.fullmatch(r"\d{4}-\d{2}", through.strip()):
        try:
            p = pd.Period(through.strip(), freq="M")
        except ValueError:
            raise ParameterError(f"`through`={through!r} is not a valid month") from None
        return p.month, p.year
    if isinstance(through, pd.Period) and through.freqstr.startswith("M"):
        return through.month, through.year
    raise ParameterError(
        f"`through` must be a month number 1..12 (every year) or a month such as '2022-04' "
        f"(that year only), got {through!r}"
    )


def _months_label(through: int) -> str:
    return _MONTHS[0] if through == 1 else f"{_MONTHS[0]}–{_MONTHS[through - 1]}"


def ytd(
    frame: pd.DataFrame,
    *,
    through,
    by=DEFAULT_BY,
    low_base=LowBase(),  # noqa: B008 - immutable
) -> pd.DataFrame:
    """January-to-month cumulative values and their growth on the same months a year earlier.

    This is how the ministry reports ("January–April 2022: +118 %"): the sum of January to
    ``through`` of a year against the sum of the same months of the previous year. A year
    whose months are not all present gives NaN with a note, never a partial sum. Through
    December it equals the annual growth of the summed months.

    Parameters
    ----------
    frame : DataFrame
        A monthly tidy trade frame (or one made by :func:`with_turnover`).
    through : int, str or Period
        A month number 1..12: January to that month, for every year of the frame; or a month
        such as ``"2022-04"`` (or ``pd.Period("2022-04", "M")``): that year only.
    by : sequence of str, default ("reporter", "partner", "flow", "commodity", "source")
        Columns that identify a series; columns left out are summed over.
    low_base : LowBase, float or None, default LowBase()
        As in :func:`yoy`; the annual threshold is scaled to the months covered (January–April:
        4/12 of it).

    Returns
    -------
    DataFrame
        The ``by`` columns, ``period`` (the year, a Period of freq Y), ``months`` (e.g.
        ``"Jan–Apr"``), ``through`` (int), ``value_usd``, ``base_period``, ``base_usd``,
        ``change_usd``, ``growth`` (fraction), ``low_base``, ``estimated`` (if present) and
        ``note``.

    Raises
    ------
    ParameterError
        If the frame is annual or ``through`` is not a month.
    DoubleCountingError
        If summing within ``by`` would count trade twice.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> months = [f"{y}-{m:02d}" for y in (2021, 2022) for m in (1, 2, 3, 4)]
    >>> f = make_frame({"period": months, "reporter": "KAZ", "partner": "MNG",
    ...                 "flow": "export", "commodity": "TOTAL", "source": "BNS",
    ...                 "value_usd": [1e6, 2e6, 3e6, 4e6, 2e6, 4e6, 6e6, 10e6]}, freq="M")
    >>> r = ytd(f, through="2022-04")
    >>> r[["period", "months", "value_usd", "base_usd", "growth"]]
      period   months   value_usd    base_usd  growth
    0   2022  Jan–Apr  22000000.0  10000000.0     1.2
    >>> ytd(f, through=4)["note"].tolist()
    ['no value for Jan–Apr 2020', '']
    """
    by = _columns(by, "by")
    if "period" in by:
        raise ParameterError("ytd: `by` must not include 'period'")
    freq = _check_frame(frame, "ytd", {"by": by})
    if freq != "M":
        raise ParameterError(
            "ytd: the frame is annual; January-to-month sums need a monthly frame "
            "(for annual growth use yoy)"
        )
    month, year = _parse_through(through)
    rule = _low_base_rule(low_base)
    label = _months_label(month)
    values = _aggregate(frame, by + ["period"], func="ytd", param="by")
    series = values[by].drop_duplicates() if by else pd.DataFrame(index=[0])
    values = values[values["period"].dt.month <= month]
    values = values.assign(
        _year=values["period"].dt.year,
        _bit=np.left_shift(1, values["period"].dt.month.to_numpy() - 1),
        _isnan=values["value_usd"].isna(),
    )
    if year is not None:
        values = values[values["_year"].isin([year, year - 1])]
    work, wkeys = _with_key(values, by + ["_year"])
    spec = {
        "value_usd": ("value_usd", "sum"),
        "_isnan": ("_isnan", "any"),
        "_bits": ("_bit", "sum"),  # one row per month after aggregation: a bit set
    }
    if "estimated" in values.columns:
        spec["estimated"] = ("estimated", "any")
    if "commodity_name" in values.columns:
        spec["commodity_name"] = ("commodity_name", "first")
    sums = work.groupby(wkeys, observed=True, sort=True, dropna=False).agg(**spec).reset_index()
    sums = sums.drop(columns=[c for c in ["_all"] if c in sums.columns])
    full = (1 << month) - 1
    complete = (sums["_bits"] == full).to_numpy()
    sums["value_usd"] = sums["value_usd"].mask(sums["_isnan"].to_numpy() | ~complete)
    sums["_missing"] = [
        ""
        if ok
        else f"{label} {y} incomplete: no data for "
        + ", ".join(f"{y}-{m:02d}" for m in range(1, month + 1) if not (bits >> (m - 1)) & 1)
        for ok, y, bits in zip(complete, sums["_year"], sums["_bits"], strict=True)
    ]
    sums["period"] = pd.PeriodIndex(
        [pd.Period(str(int(y)), freq="Y") for y in sums["_year"]], freq="Y"
    )
    sums = sums.drop(columns=["_isnan", "_bits", "_year"])
    if year is None:
        out = sums.copy()
    else:
        # every series gets a row for the requested year, data or not
        target = pd.Period(str(year), freq="Y")
        out = _merge(series, sums[sums["period"] == target], on=by, how="left")
        out["period"] = target
        absent = out["_missing"].isna()
        out["_missing"] = out["_missing"].mask(absent, f"no data for {label} {year}")
        out["value_usd"] = out["value_usd"].astype("float64")
    out["base_period"] = out["period"] - 1
    base_cols = by + ["period", "value_usd", "_missing"]
    base_cols += ["estimated"] if "estimated" in sums.columns else []
    base = sums[base_cols].rename(
        columns={
            "period": "base_period",
            "value_usd": "base_usd",
            "_missing": "_base_missing",
            "estimated": "_base_est",
        }
    )
    base["_has_base"] = True
    out = _merge(out, base, on=by + ["base_period"], how="left")
    out["months"] = label
    out["through"] = month
    base_missing = _text(out["_base_missing"])
    return _finish_growth(
        out,
        sums[by + ["period", "value_usd"]],
        by=by,
        rule=rule,
        months=month,
        func="ytd",
        base_labels=np.array([f"{label} {p}" for p in out["base_period"]], dtype=object),
        value_notes=_text(out["_missing"]),
        base_notes=np.array([f"base {t}" if t else "" for t in base_missing], dtype=object),
        first=by + ["period", "months", "through"],
    )


# --------------------------------------------------------------------------- cagr, index


def cagr(
    frame: pd.DataFrame,
    *,
    start,
    end,
    by=DEFAULT_BY,
    low_base=LowBase(),  # noqa: B008 - immutable
) -> pd.DataFrame:
    """Compound annual growth rate between two periods.

    ``cagr = (end_usd / start_usd) ** (1 / years) − 1``, where ``years`` is the distance
    between the periods in years (months / 12 on a monthly frame).

    Parameters
    ----------
    frame : DataFrame
        A tidy trade frame (or one made by :func:`with_turnover`).
    start, end : int, str or Period
        The first and last period, of the frame's frequency: ``2015`` or ``"2015"`` on an
        annual frame, ``"2015-01"`` on a monthly one. ``end`` must come after ``start``.
    by : sequence of str, default ("reporter", "partner", "flow", "commodity", "source")
        Columns that identify a series; columns left out are summed over.
    low_base : LowBase, float or None, default LowBase()
        Flags a start value below the threshold, as in :func:`yoy`.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``start``, ``end`` (Periods), ``years``, ``start_usd``,
        ``end_usd``, ``cagr`` (fraction a year), ``low_base`` and ``note``. A missing,
        zero or negative start value, or a negative end value, gives NaN with a note; an end
        value of zero gives −1 (−100 %).

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": [2019, 2020, 2021], "reporter": "KAZ", "partner": "MNG",
    ...                 "flow": "export", "commodity": "TOTAL", "source": "BNS",
    ...                 "value_usd": [40e6, 30e6, 90e6]}, freq="Y")
    >>> c = cagr(f, start=2019, end=2021)
    >>> c[["start", "end", "years"]].to_dict("records")
    [{'start': Period('2019', 'Y-DEC'), 'end': Period('2021', 'Y-DEC'), 'years': 2.0}]
    >>> round(float(c["cagr"].iloc[0]), 4)  # (90 / 40) ** (1 / 2) - 1
    0.5
    """
    by = _columns(by, "by")
    if "period" in by:
        raise ParameterError("cagr: `by` must not include 'period'")
    freq = _check_frame(frame, "cagr", {"by": by})
    start_p = _as_period(start, freq, "start")
    end_p = _as_period(end, freq, "end")
    if end_p <= start_p:
        raise ParameterError(f"cagr: `end` ({end_p}) must come after `start` ({start_p})")
    rule = _low_base_rule(low_base)
    steps = (end_p - start_p).n
    years = steps / 12 if freq == "M" else float(steps)
    values = _aggregate(frame, by + ["period"], func="cagr", param="by")
    first = values.loc[values["period"] == start_p, by + ["value_usd"]].rename(
        columns={"value_usd": "start_usd"}
    )
    last = values.loc[values["period"] == end_p, by + ["value_usd"]].rename(
        columns={"value_usd": "end_usd"}
    )
    first["_has_start"] = True
    last["_has_end"] = True
    if by:
        out = _merge(first, last, on=by, how="outer")
    else:
        out = pd.concat([first.reset_index(drop=True), last.reset_index(drop=True)], axis=1)
        if out.empty:
            out = pd.DataFrame({"start_usd": [np.nan], "end_usd": [np.nan]})
    for col in ("_has_start", "_has_end"):
        out[col] = out[col].fillna(False).astype(bool) if col in out else False
    out["start"] = start_p
    out["end"] = end_p
    out["years"] = years
    s = out["start_usd"].to_numpy(dtype="float64")
    e = out["end_usd"].to_numpy(dtype="float64")
    ok = np.isfinite(s) & np.isfinite(e) & (s > 0) & (e >= 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rate = np.where(ok, np.power(np.where(ok, e / s, 1.0), 1.0 / years) - 1.0, np.nan)
    out["cagr"] = rate
    low = out.assign(base_usd=out["start_usd"], base_period=start_p)
    flags, low_notes = _low_base_flags(
        low, values, rule=rule, by=by, months=_months_per_period(freq), func="cagr"
    )
    out["low_base"] = flags
    has_s = out["_has_start"].to_numpy()
    has_e = out["_has_end"].to_numpy()
    out["note"] = _join_notes(
        _notes_where(~has_s, f"no value for {start_p}"),
        _notes_where(~has_e, f"no value for {end_p}"),
        _notes_where(has_s & np.isnan(s), "start value unknown"),
        _notes_where(has_e & np.isnan(e), "end value unknown"),
        _notes_where(np.isfinite(s) & (s == 0), "start value is zero: CAGR undefined"),
        _notes_where(np.isfinite(s) & (s < 0), "start value is negative: CAGR undefined"),
        _notes_where(np.isfinite(e) & (e < 0), "end value is negative: CAGR undefined"),
        low_notes,
    )
    out = out.sort_values(by, kind="stable") if by else out
    return _order(
        out, by, ["start", "end", "years", "start_usd", "end_usd", "cagr", "low_base", "note"]
    )


def index(frame: pd.DataFrame, *, base, by=DEFAULT_BY) -> pd.DataFrame:
    """Values as an index, base period = 100.

    Parameters
    ----------
    frame : DataFrame
        A tidy trade frame (or one made by :func:`with_turnover`).
    base : int, str or Period
        The base period. On an annual frame a year (``2015``). On a monthly frame a month
        (``"2021-01"``) or a whole year (``2021`` or ``"2021"``): then the base is the
        average month of that year, and all twelve months must be present.
    by : sequence of str, default ("reporter", "partner", "flow", "commodity", "source")
        Columns that identify a series; columns left out are summed over.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``period``, ``value_usd``, ``base_usd``, ``index``
        (``100 * value_usd / base_usd``) and ``note``. A missing, incomplete, zero or
        negative base gives NaN with a note.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": [2019, 2020, 2021], "reporter": "KAZ", "partner": "MNG",
    ...                 "flow": "export", "commodity": "TOTAL", "source": "BNS",
    ...                 "value_usd": [40e6, 30e6, 90e6]}, freq="Y")
    >>> index(f, base=2020)["index"].round(2).tolist()
    [133.33, 100.0, 300.0]
    """
    by = _columns(by, "by")
    if "period" in by:
        raise ParameterError("index: `by` must not include 'period'")
    freq = _check_frame(frame, "index", {"by": by})
    base_p = _as_period(base, freq, "base", allow_year=True)
    values = _aggregate(frame, by + ["period"], func="index", param="by")
    year_base = freq == "M" and base_p.freqstr.startswith("Y")
    if year_base:
        part = values[values["period"].dt.year == base_p.year]
        work, keys = _with_key(part, by)
        base_values = (
            work.assign(_isnan=work["value_usd"].isna())
            .groupby(keys, observed=True, sort=False, dropna=False)
            .agg(base_usd=("value_usd", "mean"), _isnan=("_isnan", "any"), _n=("period", "nunique"))
            .reset_index()
        )
        base_values["_incomplete"] = base_values["_n"] < 12
        base_values["base_usd"] = base_values["base_usd"].mask(
            base_values["_isnan"] | base_values["_incomplete"]
        )
        base_values = base_values.drop(columns=["_isnan", "_n"] + (["_all"] if not by else []))
    else:
        base_values = values.loc[values["period"] == base_p, by + ["value_usd"]].rename(
            columns={"value_usd": "base_usd"}
        )
        base_values["_incomplete"] = False
    base_values["_has_base"] = True
    out = _merge(values, base_values, on=by, how="left")
    has = out["_has_base"].fillna(False).astype(bool).to_numpy()
    incomplete = out["_incomplete"].fillna(False).astype(bool).to_numpy()
    v = out["value_usd"].to_numpy(dtype="float64")
    b = out["base_usd"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out["index"] = np.where(np.isfinite(b) & (b > 0), 100.0 * v / b, np.nan)
    what = f"the months of {base_p.year}" if year_base else str(base_p)
    out["note"] = _join_notes(
        _notes_where(~has, f"no value for base {base_p}"),
        _notes_where(incomplete, f"base year {base_p.year} incomplete: fewer than 12 months"),
        _notes_where(has & ~incomplete & np.isnan(b), f"base value unknown for {what}"),
        _notes_where(np.isfinite(b) & (b == 0), "base value is zero: index undefined"),
        _notes_where(np.isfinite(b) & (b < 0), "base value is negative: index undefined"),
        _notes_where(np.isnan(v), "value unknown"),
    )
    out = out.sort_values(by + ["period"], kind="stable")
    return _order(out, by + ["period"], ["value_usd", "base_usd", "index", "note"])


# --------------------------------------------------------------------------- structure


def _structure_args(frame, func: str, of, within) -> tuple[str, list[str], str]:
    if not isinstance(of, str):
        raise ParameterError(f"{func}: `of` must be one column name such as 'partner', got {of!r}")
    within = _columns(within, "within")
    if of in within:
        raise ParameterError(f"{func}: `of`={of!r} must not be one of the `within` columns")
    freq = _check_frame(frame, func, {"of": [of], "within": within})
    return of, within, freq


def shares(
    frame: pd.DataFrame,
    *,
    of: str = "partner",
    within=_WITHIN,
    total: str | None = None,
) -> pd.DataFrame:
    """Each item's share of its group: a partner's share of trade, a chapter's of exports.

    Values are summed within ``within`` and ``of`` (other columns are summed over, with
    the double-counting checks), then divided by the group total.

    Parameters
    ----------
    frame : DataFrame
        A tidy trade frame.
    of : str, default "partner"
        The column whose items get shares (``"partner"``, ``"commodity"``, ...).
    within : sequence of str, default ("period", "reporter", "flow", "source")
        The columns that define each whole; shares sum to 1 within each combination.
    total : str, optional
        By default the whole is the sum of the items, which must not contain aggregates.
        Pass the code of an aggregate item of ``of`` (``"WLD"`` for partners, ``"TOTAL"``
        for commodities) to divide by that row instead: the aggregate row itself is left
        out of the result, and shares of the listed items then sum to at most 1.

    Returns
    -------
    DataFrame
        The ``within`` columns, ``of``, ``value_usd``, ``total_usd``, ``share`` (fraction)
        and ``note`` (why a share is NaN: zero total, no aggregate row).

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": 2021, "reporter": "KAZ", "partner": ["CHN", "MNG", "RUS"],
    ...                 "flow": "export", "commodity": "TOTAL", "source": "BNS",
    ...                 "value_usd": [14e9, 0.05e9, 9.95e9]}, freq="Y")
    >>> shares(f)[["partner", "share"]].round(4).to_dict("list")
    {'partner': ['CHN', 'MNG', 'RUS'], 'share': [0.5833, 0.0021, 0.4146]}
    """
    if total is not None and not isinstance(total, str):
        raise ParameterError(
            f"shares: `total` must be the code of an aggregate item such as 'WLD' or 'TOTAL', "
            f"or None, got {total!r}"
        )
    of, within, _ = _structure_args(frame, "shares", of, within)
    values = _aggregate(frame, within + [of], func="shares", param="within")
    if total is None:
        _check_double_counting(values, within, func="shares", param=None)
        values["total_usd"] = _group_total(values, within).to_numpy()
        out = values
        no_total = np.zeros(len(out), dtype=bool)
    else:
        is_total = (values[of] == total).to_numpy()
        if not is_total.any():
            raise ParameterError(
                f"shares: no row has {of} == {total!r}, the aggregate named in `total`; "
                f"pass total=None to divide by the sum of the items"
            )
        parts = values[~is_total]
        _check_double_counting(parts, within, func="shares", param=None)
        totals = values.loc[is_total, within + ["value_usd"]].rename(
            columns={"value_usd": "total_usd"}
        )
        totals["_has_total"] = True
        out = _merge(parts, totals, on=within, how="left")
        no_total = ~out["_has_total"].fillna(False).astype(bool).to_numpy()
    v = out["value_usd"].to_numpy(dtype="float64")
    t = out["total_usd"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out["share"] = np.where(np.isfinite(t) & (t != 0), v / t, np.nan)
    out["note"] = _join_notes(
        _notes_where(no_total, f"no {of} {total!r} row in this group"),
        _notes_where(np.isfinite(t) & (t == 0), "group total is zero: share undefined"),
        _notes_where(~no_total & np.isnan(t), "group total unknown"),
    )
    out = out.sort_values(within + [of], kind="stable")
    return _order(out, within + [of], ["value_usd", "total_usd", "share", "note"])


def contributions(
    frame: pd.DataFrame,
    *,
    component: str = "partner",
    total_by=("reporter", "flow", "source"),
    periods: int = 1,
    low_base=LowBase(),  # noqa: B008 - immutable
) -> pd.DataFrame:
    """Each component's contribution to the growth of the total, in percentage points.

    For a total ``X = sum_i x_i`` growing from a year earlier (same month a year earlier on
    monthly frames): ``contribution_pp_i = 100 * (x_i,t − x_i,t−1) / X_t−1``. The
    contributions of a group add up to the total's growth ``100 * (X_t / X_t−1 − 1)``
    exactly, to float precision. A component absent in one of the two periods counts as
    zero there (a new partner contributes its whole value), with a note.

    Parameters
    ----------
    frame : DataFrame
        A tidy trade frame.
    component : str, default "partner"
        The column whose items are the components (``"partner"``, ``"commodity"``).
    total_by : sequence of str, default ("reporter", "flow", "source")
        Columns that identify each total; the period is added automatically. Columns
        neither here nor ``component`` are summed over (with the double-counting checks).
    periods : int, default 1
        How many years back the base lies.
    low_base : LowBase, float or None, default LowBase()
        Flags a total whose base is below the absolute threshold (the share rule does not
        apply: the total is the whole).

    Returns
    -------
    DataFrame
        The ``total_by`` columns, ``period``, ``component``, ``value_usd``, ``base_period``,
        ``base_usd``, ``change_usd``, ``contribution_pp``, ``total_usd``,
        ``total_base_usd``, ``total_growth_pp``, ``low_base`` and ``note``. Periods whose
        base period has no data give NaN with a note.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": [2020, 2020, 2021, 2021], "reporter": "KAZ",
    ...                 "partner": ["CHN", "MNG"] * 2, "flow": "export",
    ...                 "commodity": "TOTAL", "source": "BNS",
    ...                 "value_usd": [80e6, 20e6, 90e6, 40e6]}, freq="Y")
    >>> c = contributions(f)
    >>> c.loc[c["period"] == "2021", ["partner", "contribution_pp", "total_growth_pp"]]
      partner  contribution_pp  total_growth_pp
    2     CHN             10.0             30.0
    3     MNG             20.0             30.0
    """
    if not isinstance(component, str):
        raise ParameterError(
            f"contributions: `component` must be one column name such as 'partner', "
            f"got {component!r}"
        )
    if component in ("period", "value_usd"):
        raise ParameterError(
            f"contributions: `component`={component!r} cannot be a component; use a column "
            "such as 'partner' or 'commodity' (growth runs over 'period')"
        )
    total_by = _columns(total_by, "total_by")
    if component in total_by or "period" in total_by:
        raise ParameterError(
            "contributions: `total_by` must include neither the `component` column nor "
            "'period' (added automatically)"
        )
    freq = _check_frame(frame, "contributions", {"component": [component], "total_by": total_by})
    periods = _check_periods(periods)
    rule = _low_base_rule(low_base)
    rule = LowBase(annual_usd=rule.annual_usd, share=None)
    keys = total_by + [component]
    values = _aggregate(frame, keys + ["period"], func="contributions", param="total_by")
    _check_double_counting(values, total_by + ["period"], func="contributions", param=None)
    lag = _lag(freq, periods)
    cur = values[keys + ["period", "value_usd"]].assign(_cur=True)
    prev = values[keys + ["period", "value_usd"]].rename(columns={"value_usd": "base_usd"})
    prev = prev.assign(period=prev["period"] + lag, _prev=True)
    out = cur.merge(prev, on=keys + ["period"], how="outer", sort=False)
    out["_cur"] = out["_cur"].fillna(False).astype(bool)
    out["_prev"] = out["_prev"].fillna(False).astype(bool)
    # keep (group, period) pairs with data in period t; note whether t − lag has any data
    present = values[total_by + ["period"]].drop_duplicates()
    present_t = present.assign(_group_now=True)
    present_b = present.assign(period=present["period"] + lag, _group_base=True)
    out = _merge(out, present_t, on=total_by + ["period"], how="left")
    out = _merge(out, present_b, on=total_by + ["period"], how="left")
    out = out[out["_group_now"].fillna(False).astype(bool)].copy()
    group_base = out["_group_base"].fillna(False).astype(bool).to_numpy()
    absent_now = ~out["_cur"].to_numpy()
    absent_base = ~out["_prev"].to_numpy() & group_base
    out["value_usd"] = out["value_usd"].mask(absent_now, 0.0)
    out["base_usd"] = out["base_usd"].mask(absent_base, 0.0)
    out["base_period"] = out["period"] - lag
    group = total_by + ["period"]
    out["total_usd"] = _group_total(out, group, "value_usd").to_numpy()
    out["total_base_usd"] = _group_total(out, group, "base_usd").to_numpy()
    v = out["value_usd"].to_numpy(dtype="float64")
    b = out["base_usd"].to_numpy(dtype="float64")
    tb = out["total_base_usd"].to_numpy(dtype="float64")
    t = out["total_usd"].to_numpy(dtype="float64")
    out["change_usd"] = v - b
    good = np.isfinite(tb) & (tb > 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out["contribution_pp"] = np.where(good, 100.0 * (v - b) / tb, np.nan)
        out["total_growth_pp"] = np.where(good, 100.0 * (t / tb - 1.0), np.nan)
    flags, low_notes = _low_base_flags(
        out.assign(base_usd=out["total_base_usd"]),
        values,
        rule=rule,
        by=keys,
        months=_months_per_period(freq),
        func="contributions",
    )
    out["low_base"] = flags
    labels = out["base_period"].astype(str).to_numpy()
    now_labels = out["period"].astype(str).to_numpy()
    out["note"] = _join_notes(
        _notes_where(~group_base, np.array([f"no data for {p}" for p in labels], dtype=object)),
        _notes_where(
            absent_now, np.array([f"no row in {p}: counted as 0" for p in now_labels], dtype=object)
        ),
        _notes_where(
            absent_base, np.array([f"no row in {p}: counted as 0" for p in labels], dtype=object)
        ),
        _notes_where(group_base & np.isfinite(tb) & (tb == 0), "total is zero in the base period"),
        _notes_where(
            group_base & np.isfinite(tb) & (tb < 0), "total is negative in the base period"
        ),
        _notes_where(group_base & np.isnan(tb), "total of the base period unknown"),
        _notes_where(good, low_notes),
    )
    out["low_base"] = out["low_base"] & good
    out = out.sort_values(group + [component], kind="stable")
    return _order(
        out,
        group + [component],
        [
            "value_usd",
            "base_period",
            "base_usd",
            "change_usd",
            "contribution_pp",
            "total_usd",
            "total_base_usd",
            "total_growth_pp",
            "low_base",
            "note",
        ],
    )


def top_n(
    frame: pd.DataFrame,
    *,
    n: int,
    of: str = "partner",
    by=_WITHIN,
    other: str = "other",
    rank_period=None,
) -> pd.DataFrame:
    """The ``n`` largest items of each group, and the rest as one explicit "other" row.

    Parameters
    ----------
    frame : DataFrame
        A tidy trade frame.
    n : int
        How many items to list (>= 1).
    of : str, default "partner"
        The column whose items are ranked (``"partner"``, ``"commodity"``).
    by : sequence of str, default ("period", "reporter", "flow", "source")
        The groups within which items are ranked; other columns are summed over (with the
        double-counting checks).
    other : str, default "other"
        The label of the remainder row in the ``of`` column.
    rank_period : int, str or Period, optional
        Rank once, in this period, and list the same items in every period (needs
        ``"period"`` in ``by``): the usual way to chart the top partners over time. By
        default each group is ranked on its own.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``of``, ``value_usd``, ``share`` (of the group total), ``rank``
        (1 = largest; missing on the "other" row) and ``n_items`` (1, or how many items the
        "other" row holds; 0 if none). The listed values and "other" add up to the group
        total. Ties are broken by the item code, so the result is deterministic.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": 2021, "reporter": "KAZ",
    ...                 "partner": ["CHN", "MNG", "RUS", "TUR"], "flow": "export",
    ...                 "commodity": "TOTAL", "source": "BNS",
    ...                 "value_usd": [14e9, 0.05e9, 9e9, 4e9]}, freq="Y")
    >>> t = top_n(f, n=2)
    >>> t[["partner", "rank", "n_items"]].to_dict("list")
    {'partner': ['CHN', 'RUS', 'other'], 'rank': [1, 2, None], 'n_items': [1, 1, 2]}
    >>> float(t["value_usd"].iloc[2]) / 1e9
    4.05
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ParameterError(f"top_n: `n` must be a whole number >= 1, got {n!r}")
    if not isinstance(other, str):
        raise ParameterError(f"top_n: `other` must be a label (str), got {other!r}")
    of, by, freq = _structure_args(frame, "top_n", of, by)
    values = _aggregate(frame, by + [of], func="top_n", param="by")
    _check_double_counting(values, by, func="top_n", param=None)
    if (values[of].astype(str) == other).any():
        raise ParameterError(
            f"top_n: {of!r} already has an item called {other!r}; pass another `other` label"
        )
    values = values.sort_values(by + ["value_usd", of], ascending=[True] * len(by) + [False, True])
    if rank_period is None:
        work, keys = _with_key(values, by)
        ranks = work.groupby(keys, observed=True, sort=False, dropna=False).cumcount() + 1
        values["rank"] = ranks.to_numpy()
    else:
        if "period" not in by:
            raise ParameterError("top_n: `rank_period` needs 'period' among the `by` columns")
        rp = _as_period(rank_period, freq, "rank_period")
        rest = [c for c in by if c != "period"]
        chosen = values[values["period"] == rp]
        if chosen.empty:
            raise ParameterError(f"top_n: `rank_period`={rank_period!r} has no data")
        work, keys = _with_key(chosen, rest)
        chosen = chosen.assign(
            rank=(
                work.groupby(keys, observed=True, sort=False, dropna=False).cumcount() + 1
            ).to_numpy()
        )
        chosen = chosen[chosen["rank"] <= n][rest + [of, "rank"]]
        values = _merge(values, chosen, on=rest + [of], how="left")
        values["rank"] = values["rank"].fillna(n + 1)
    values["rank"] = values["rank"].astype("int64")
    is_top = (values["rank"] <= n).to_numpy()
    values["_total"] = _group_total(values, by).to_numpy()
    top = values[is_top].assign(n_items=1)
    rest_rows = values[~is_top]
    groups = values[by].drop_duplicates() if by else pd.DataFrame(index=[0])
    work, keys = _with_key(rest_rows.assign(_isnan=rest_rows["value_usd"].isna()), by)
    remainder = (
        work.groupby(keys, observed=True, sort=False, dropna=False)
        .agg(value_usd=("value_usd", "sum"), n_items=(of, "size"), _isnan=("_isnan", "any"))
        .reset_index()
    )
    remainder["value_usd"] = remainder["value_usd"].mask(remainder["_isnan"])
    remainder = remainder.drop(columns=["_isnan"] + (["_all"] if not by else []))
    other_rows = _merge(groups, remainder, on=by, how="left")
    other_rows["value_usd"] = other_rows["value_usd"].fillna(0.0)
    other_rows["n_items"] = other_rows["n_items"].fillna(0).astype("int64")
    other_rows[of] = other
    totals = (
        values[by + ["_total"]].drop_duplicates(subset=by) if by else values[["_total"]].head(1)
    )
    other_rows = _merge(other_rows, totals, on=by, how="left")
    out = pd.concat([top, other_rows], ignore_index=True)
    out[of] = out[of].astype(object)
    t = out["_total"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out["share"] = np.where(np.isfinite(t) & (t != 0), out["value_usd"].to_numpy() / t, np.nan)
    out["rank"] = out["rank"].astype("Int64")
    out["_order"] = out["rank"].fillna(n + 1).astype("int64")
    out = out.sort_values(by + ["_order"], kind="stable")
    return _order(out, by + [of], ["value_usd", "share", "rank", "n_items"])


def hhi(frame: pd.DataFrame, *, of: str = "partner", within=_WITHIN) -> pd.DataFrame:
    """Herfindahl–Hirschman index of concentration, on the 0–10,000 scale.

    ``hhi = sum_i (100 * s_i) ** 2`` where ``s_i`` is item ``i``'s share of its group: 10,000
    when one item holds everything, close to 0 when trade is spread over many items.
    ``equivalent_number = 10000 / hhi`` reads as "as concentrated as N equal partners".

    Parameters
    ----------
    frame : DataFrame
        A tidy trade frame with non-negative values.
    of : str, default "partner"
        The column whose items the concentration is measured over.
    within : sequence of str, default ("period", "reporter", "flow", "source")
        The groups; other columns are summed over (with the double-counting checks).

    Returns
    -------
    DataFrame
        The ``within`` columns, ``hhi``, ``equivalent_number``, ``n_items`` (items with a
        positive value), ``total_usd`` and ``note`` (why the index is NaN).

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": 2021, "reporter": "KAZ", "partner": ["CHN", "RUS"],
    ...                 "flow": "export", "commodity": "TOTAL", "source": "BNS",
    ...                 "value_usd": [75e6, 25e6]}, freq="Y")
    >>> h = hhi(f)
    >>> float(h["hhi"].iloc[0]), float(h["equivalent_number"].iloc[0])  # 75² + 25²
    (6250.0, 1.6)
    """
    of, within, _ = _structure_args(frame, "hhi", of, within)
    values = _aggregate(frame, within + [of], func="hhi", param="within")
    if (values["value_usd"] < 0).any():
        raise ParameterError(
            "hhi: the values must not be negative (balances are); pass exports, imports or turnover"
        )
    _check_double_counting(values, within, func="hhi", param=None)
    values["_total"] = _group_total(values, within).to_numpy()
    t = values["_total"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        values["_sq"] = np.where(t > 0, (100.0 * values["value_usd"].to_numpy() / t) ** 2, np.nan)
    values["_pos"] = values["value_usd"] > 0
    work, keys = _with_key(values, within)
    out = (
        work.groupby(keys, observed=True, sort=True, dropna=False)
        .agg(hhi=("_sq", "sum"), n_items=("_pos", "sum"), total_usd=("_total", "first"))
        .reset_index()
    )
    if not within:
        out = out.drop(columns="_all")
    tot = out["total_usd"].to_numpy(dtype="float64")
    out["hhi"] = out["hhi"].mask(~(np.isfinite(tot) & (tot > 0)))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out["equivalent_number"] = 10000.0 / out["hhi"]
    out["n_items"] = out["n_items"].astype("int64")
    out["note"] = _join_notes(
        _notes_where(np.isfinite(tot) & (tot == 0), "no trade in this group: index undefined"),
        _notes_where(np.isnan(tot), "group total unknown"),
    )
    return _order(out, within, ["hhi", "equivalent_number", "n_items", "total_usd", "note"])

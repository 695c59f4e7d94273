"""The tidy trade frame: its columns, their types, and :func:`validate`.

One long table that every reader produces and every analysis consumes::

    period  reporter  partner  flow    commodity  value_usd   source
    2021    KAZ       MNG      export  TOTAL      54689000.0  BNS

``value_usd`` is always in US dollars (never thousands or millions). ``WLD`` as a partner
and ``TOTAL`` as a commodity are aggregates: they are kept deliberately and never summed
with their parts. Turnover (export + import) is computed, never stored.

This module checks frames; it does not clean them (see :mod:`kztrade.cleaning`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from kztrade.errors import SchemaError

__all__ = [
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "KEY",
    "FLOWS",
    "WORLD",
    "TOTAL",
    "FREQUENCIES",
    "frequency",
    "make_frame",
    "validate",
]

#: Required columns, in their canonical order.
COLUMNS: tuple[str, ...] = (
    "period",
    "reporter",
    "partner",
    "flow",
    "commodity",
    "value_usd",
    "source",
)
#: Columns a source may add where it has them.
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "commodity_name",
    "net_weight_kg",
    "quantity",
    "quantity_unit",
    "estimated",
    "vintage",
)
#: The columns that identify one observation; no two rows may share them.
KEY: tuple[str, ...] = ("period", "reporter", "partner", "flow", "commodity", "source")
#: Trade flows as the reporter records them.
FLOWS: tuple[str, ...] = ("export", "import")
#: Partner code of the reporter's total with the world.
WORLD = "WLD"
#: Commodity code of all goods.
TOTAL = "TOTAL"
#: Period frequencies a tidy frame may have: annual and monthly.
FREQUENCIES: dict[str, str] = {"Y": "annual", "M": "monthly"}

_ISO3 = re.compile(r"^[A-Z]{3}$")
_COMMODITY = re.compile(r"^(TOTAL|\d{2}|\d{4}|\d{6}|\d{8}|\d{10})$")
FLOW_DTYPE = pd.CategoricalDtype(list(FLOWS))


def frequency(frame: pd.DataFrame) -> str:
    """Return the frequency code of a tidy frame's periods: ``"Y"`` or ``"M"``.

    Parameters
    ----------
    frame : DataFrame
        A tidy trade frame.

    Returns
    -------
    str
        ``"Y"`` for annual periods, ``"M"`` for monthly ones.

    Examples
    --------
    >>> f = make_frame({"period": ["2021-04"], "reporter": "KAZ", "partner": "MNG",
    ...                 "flow": "export", "commodity": "TOTAL", "value_usd": 1.0,
    ...                 "source": "BNS"}, freq="M")
    >>> frequency(f)
    'M'
    """
    dtype = frame["period"].dtype
    if not isinstance(dtype, pd.PeriodDtype):
        raise SchemaError(
            f"column 'period' has dtype {dtype}, expected pandas Period; "
            "build frames with kztrade.schema.make_frame"
        )
    code = dtype.freq.rule_code.split("-")[0]
    code = {"A": "Y", "YE": "Y", "ME": "M"}.get(code, code)
    if code not in FREQUENCIES:
        raise SchemaError(
            f"column 'period' has frequency {dtype.freq.rule_code!r}; "
            "a tidy frame holds annual ('Y') or monthly ('M') periods"
        )
    return code


def make_frame(data, *, freq: str) -> pd.DataFrame:
    """Build a tidy trade frame from plain values, with the schema's dtypes.

    Parameters
    ----------
    data : dict, list of dict or DataFrame
        Columns of :data:`COLUMNS` (and any of :data:`OPTIONAL_COLUMNS`); ``period`` as
        text (``"2021"``, ``"2021-04"``), integers (years) or Periods.
    freq : {"Y", "M"}
        Annual or monthly.

    Returns
    -------
    DataFrame
        A new, validated tidy frame with columns in canonical order.

    Examples
    --------
    >>> f = make_frame({"period": [2020, 2021], "reporter": "KAZ", "partner": "MNG",
    ...                 "flow": "export", "commodity": "TOTAL",
    ...                 "value_usd": [1.0, 2.0], "source": "BNS"}, freq="Y")
    >>> f["period"].tolist()
    [Period('2020', 'Y-DEC'), Period('2021', 'Y-DEC')]
    """
    if freq not in FREQUENCIES:
        raise SchemaError(f"freq must be 'Y' or 'M', got {freq!r}")
    if isinstance(data, pd.DataFrame):
        frame = data.copy()
    elif isinstance(data, dict) and not any(
        isinstance(v, (list, tuple, np.ndarray, pd.Series, pd.Index)) for v in data.values()
    ):
        frame = pd.DataFrame([data])
    else:
        frame = pd.DataFrame(data)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise SchemaError(f"missing column(s) {missing}; a tidy frame needs {list(COLUMNS)}")
    period = frame["period"]
    if not isinstance(period.dtype, pd.PeriodDtype):
        # One conversion of the whole column: per-row Periods cost seconds on large frames.
        period = pd.PeriodIndex(period.astype(str).to_numpy(), freq=freq)
    frame["period"] = pd.Series(period, index=frame.index).astype(f"period[{freq}]")
    for col in ("reporter", "partner", "commodity", "source"):
        frame[col] = frame[col].astype(object).map(lambda v: v if pd.isna(v) else str(v))
    flows = frame["flow"].astype(object)
    bad = ~flows.isin(FLOWS)
    if bad.any():
        raise SchemaError(
            f"column 'flow' must be 'export' or 'import': {_bad_rows(bad, frame, 'flow')}"
        )
    frame["flow"] = flows.astype(FLOW_DTYPE)
    frame["value_usd"] = pd.to_numeric(frame["value_usd"], errors="raise").astype("float64")
    if "estimated" in frame.columns:
        frame["estimated"] = frame["estimated"].fillna(False).astype(bool)
    ordered = list(COLUMNS) + [c for c in frame.columns if c not in COLUMNS]
    return validate(frame[ordered].reset_index(drop=True))


def _bad_rows(mask: pd.Series, frame: pd.DataFrame, column: str, limit: int = 5) -> str:
    rows = frame.index[mask.to_numpy()][:limit].tolist()
    values = frame.loc[mask, column].head(limit).tolist()
    more = int(mask.sum()) - len(rows)
    tail = f" and {more} more" if more > 0 else ""
    pairs = ", ".join(f"row {r}: {v!r}" for r, v in zip(rows, values, strict=True))
    return f"{pairs}{tail}"


def validate(
    frame: pd.DataFrame,
    *,
    name: str = "frame",
    allow_negative: bool = False,
    key: Iterable[str] = KEY,
) -> pd.DataFrame:
    """Check that a frame follows the tidy trade schema and return it unchanged.

    Parameters
    ----------
    frame : DataFrame
        The frame to check.
    name : str, default "frame"
        What to call the frame in error messages (a file name, a dataset name).
    allow_negative : bool, default False
        Trade values are never negative; balances and differences may be. Set True only
        for derived frames.
    key : iterable of str, default :data:`KEY`
        Columns that must identify each row uniquely.

    Returns
    -------
    DataFrame
        ``frame`` itself, so that ``validate`` can be used in ``.pipe``.

    Raises
    ------
    SchemaError
        With the column, the offending rows and what to do.

    Examples
    --------
    >>> import pandas as pd
    >>> bad = pd.DataFrame({"period": ["2021"], "value_usd": [1.0]})
    >>> validate(bad)
    Traceback (most recent call last):
    ...
    kztrade.errors.SchemaError: frame: missing column(s) ['reporter', 'partner', ...
    """
    if not isinstance(frame, pd.DataFrame):
        raise SchemaError(f"{name}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{name}: missing column(s) {missing}; a tidy frame has columns {list(COLUMNS)} "
            "(build one with kztrade.schema.make_frame or a kztrade reader)"
        )
    try:
        frequency(frame)
    except SchemaError as exc:
        raise SchemaError(f"{name}: {exc}") from None
    problems: list[str] = []
    if frame["period"].isna().any():
        problems.append(
            f"column 'period' is empty in {_bad_rows(frame['period'].isna(), frame, 'period')}"
        )
    for col, pattern, what in (
        ("reporter", _ISO3, "an ISO 3166 alpha-3 code such as 'KAZ'"),
        ("partner", _ISO3, "an ISO 3166 alpha-3 code such as 'MNG', or 'WLD'"),
        ("commodity", _COMMODITY, "an HS code as zero-padded text ('01', '0101') or 'TOTAL'"),
    ):
        values = frame[col]
        ok = values.map(lambda v, p=pattern: isinstance(v, str) and bool(p.match(v)))
        if not ok.all():
            problems.append(f"column {col!r} must hold {what}: {_bad_rows(~ok, frame, col)}")
    flow_ok = frame["flow"].isin(FLOWS)
    if not flow_ok.all():
        problems.append(
            f"column 'flow' must be 'export' or 'import': {_bad_rows(~flow_ok, frame, 'flow')}"
        )
    values = frame["value_usd"]
    if values.dtype != np.float64:
        problems.append(f"column 'value_usd' has dtype {values.dtype}, expected float64")
    else:
        finite = np.isfinite(values.to_numpy())
        if not finite.all():
            problems.append(
                "column 'value_usd' has missing or infinite values in "
                f"{_bad_rows(pd.Series(~finite, index=frame.index), frame, 'value_usd')}; "
                "drop unknown observations instead of storing NaN"
            )
        elif not allow_negative and (values < 0).any():
            bad = _bad_rows(values < 0, frame, "value_usd")
            problems.append(f"column 'value_usd' has negative trade values: {bad}")
    src_ok = frame["source"].map(lambda v: isinstance(v, str) and v != "")
    if not src_ok.all():
        problems.append(
            f"column 'source' must name the source: {_bad_rows(~src_ok, frame, 'source')}"
        )
    if problems:
        raise SchemaError(f"{name}: " + "; ".join(problems))
    key = [k for k in key if k in frame.columns]
    if "vintage" in frame.columns and "vintage" not in key:
        key.append("vintage")
    dup = frame.duplicated(subset=key, keep=False)
    if dup.any():
        first = frame.loc[dup, key].head(4).astype(str).to_dict("records")
        raise SchemaError(
            f"{name}: {int(dup.sum())} rows share the same {key}, e.g. {first}; "
            "remove duplicates (kztrade.cleaning.find_duplicates lists them) or tell them apart "
            "by 'source' or 'vintage'"
        )
    return frame

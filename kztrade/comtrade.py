"""UN Comtrade files: the Comtrade Plus CSV layout as downloaded.

Kept apart from :mod:`kztrade.readers` (which re-exports :func:`read_comtrade`) because
Comtrade bulk files are large and read differently from the small national tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kztrade._io import PathType, _numbers, _read_csv, _require
from kztrade.cleaning import normalize_hs
from kztrade.errors import ParseError, SchemaError
from kztrade.schema import TOTAL, WORLD, make_frame

__all__ = ["read_comtrade"]

# --------------------------------------------------------------------------- UN Comtrade

_COMTRADE_FLOWS = {"X": "export", "M": "import"}
# Re-exports and re-imports (RX, RM), domestic exports (DX) and foreign imports (FM) are
# parts of X and M in Comtrade: adding them would double count, so they are left out.
_COMTRADE_SUBFLOWS = {"RX", "RM", "DX", "FM"}
_COMTRADE_REQUIRED = (
    "freqCode",
    "period",
    "reporterISO",
    "partnerISO",
    "flowCode",
    "cmdCode",
    "primaryValue",
)


def read_comtrade(
    path: PathType,
    *,
    source: str = "COMTRADE",
    level: int | str | None = None,
) -> pd.DataFrame:
    """Read a UN Comtrade CSV as downloaded (Comtrade Plus column names).

    Guards against the double counting that Comtrade downloads invite, without trusting
    ``isAggregate``:

    - flows X and M are kept; RX, RM, DX and FM are parts of them and are left out;
    - only ``partner2`` = World (code 0 / ``W00``), customs procedure ``C00`` (all) and mode of
      transport 0 (all) are kept; breakdowns by them would add the same trade twice;
    - partner World becomes ``WLD`` (kept, marked as an aggregate);
    - commodity codes of several levels (TOTAL, chapters, headings) are all kept; pass
      ``level`` to keep one, or use :func:`kztrade.cleaning.drop_aggregates`.

    Parameters
    ----------
    path : str or path-like
        The CSV file.
    source : str, default "COMTRADE"
    level : {2, 4, 6, "TOTAL"}, optional
        Keep only commodity codes of this many digits (or only TOTAL).

    Returns
    -------
    DataFrame
        A tidy frame, annual or monthly after ``freqCode``; ``net_weight_kg`` where the file
        has ``netWgt``.
    """
    raw = _read_csv(path)
    _require(raw, _COMTRADE_REQUIRED, path, "a UN Comtrade CSV (columns as downloaded)")
    lines = pd.Series(np.arange(len(raw)) + 2, index=raw.index)
    freqs = set(raw["freqCode"].str.strip())
    if len(freqs) != 1 or not freqs <= {"A", "M"}:
        raise ParseError(
            f"freqCode must be all 'A' (annual) or all 'M' (monthly), found {sorted(freqs)}; "
            "split the file by frequency",
            path=path,
            column="freqCode",
        )
    freq = "Y" if freqs == {"A"} else "M"
    flows = raw["flowCode"].str.strip()
    unknown = sorted(set(flows) - set(_COMTRADE_FLOWS) - _COMTRADE_SUBFLOWS)
    if unknown:
        raise ParseError(
            f"unknown flowCode(s) {unknown}; kztrade reads X, M (and leaves out RX, RM, DX, FM)",
            path=path,
            column="flowCode",
        )
    keep = flows.isin(list(_COMTRADE_FLOWS))
    if "partner2Code" in raw.columns or "partner2ISO" in raw.columns:
        p2 = raw["partner2Code"] if "partner2Code" in raw.columns else raw["partner2ISO"]
        keep &= p2.str.strip().isin(["0", "W00", ""])
    if "customsCode" in raw.columns:
        keep &= raw["customsCode"].str.strip().isin(["C00", ""])
    if "motCode" in raw.columns:
        keep &= raw["motCode"].str.strip().isin(["0", ""])
    data = raw.loc[keep]
    if data.empty and not raw.empty:
        raise ParseError(
            "no rows are totals over partner2, customs procedure and mode of transport "
            "(partner2Code 0, customsCode C00, motCode 0): the file holds breakdowns only, "
            "which cannot be summed safely; download it with those set to totals",
            path=path,
        )
    values = _numbers(data.reset_index(drop=True), "primaryValue", path)
    # Map line numbers of bad values back to the file (after filtering).
    periods = data["period"].str.strip()
    pattern = r"\d{4}" if freq == "Y" else r"\d{6}"
    bad = ~periods.str.fullmatch(pattern)
    if bad.any():
        first = bad.to_numpy().nonzero()[0][0]
        raise ParseError(
            f"period {periods.iloc[first]!r} is not {'YYYY' if freq == 'Y' else 'YYYYMM'}",
            path=path,
            row=int(lines.loc[data.index[first]]),
            column="period",
        )
    if freq == "M":
        periods = periods.str[:4] + "-" + periods.str[4:]
    partner = data["partnerISO"].str.strip().replace({"W00": WORLD})
    commodity = normalize_hs(data["cmdCode"].str.strip(), path=path, column="cmdCode")
    frame = pd.DataFrame(
        {
            "period": periods.to_numpy(),
            "reporter": data["reporterISO"].str.strip().to_numpy(),
            "partner": partner.to_numpy(),
            "flow": flows.loc[data.index].map(_COMTRADE_FLOWS).to_numpy(),
            "commodity": commodity,
            "value_usd": values.to_numpy(),
            "source": source,
        }
    )
    if "netWgt" in data.columns and data["netWgt"].str.strip().ne("").any():
        frame["net_weight_kg"] = pd.to_numeric(
            data["netWgt"].str.strip(), errors="coerce"
        ).to_numpy()
    if level is not None:
        if level == TOTAL:
            frame = frame.loc[frame["commodity"] == TOTAL]
        elif level in (2, 4, 6):
            frame = frame.loc[frame["commodity"].str.len() == level]
        else:
            raise ParseError(f"level must be 2, 4, 6 or 'TOTAL', got {level!r}", path=path)
    dup = frame.duplicated(["period", "reporter", "partner", "flow", "commodity"], keep=False)
    if dup.any():
        first = int(np.flatnonzero(dup.to_numpy())[0])
        raise ParseError(
            f"{int(dup.sum())} rows repeat the same period, reporter, partner, flow and "
            "commodity after keeping totals only (a breakdown column kztrade does not know?); "
            "remove the duplicates",
            path=path,
            row=int(lines.loc[data.index[first]]),
        )
    try:
        return make_frame(frame.reset_index(drop=True), freq=freq)
    except SchemaError as exc:
        raise ParseError(str(exc), path=path) from None

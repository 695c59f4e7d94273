"""Shared reading helpers for the readers: open a CSV as text, check columns, parse numbers.

Private to the package; every message names the file, the line and the column.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from kztrade.errors import ParseError

PathType = str | PathLike[str]


def _read_csv(path: PathType, **kwargs) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise ParseError("no such file", path=path)
    if path.suffix.lower() in {".xlsx", ".xls", ".xlsm"}:
        raise ParseError(
            "this reader reads CSV text, not an Excel workbook; use read_dots for IMF DOTS "
            "workbooks or read_wide for a table with periods across",
            path=path,
        )
    try:
        # Codes are text and "NA" is Namibia: no default missing-value strings.
        return pd.read_csv(path, dtype=str, keep_default_na=False, **kwargs)
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ParseError(
            f"not a readable UTF-8 CSV file ({exc}); save it as CSV (UTF-8) and try again",
            path=path,
        ) from None


def _require(raw: pd.DataFrame, columns, path, what: str) -> None:
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise ParseError(
            f"missing column(s) {missing}; found {list(raw.columns)}; this reader expects {what}",
            path=path,
        )


def _numbers(raw: pd.DataFrame, column: str, path, *, header_lines: int = 1) -> pd.Series:
    """Parse a column of numbers, naming the first bad line (file line numbers, 1-based)."""
    text = raw[column].astype(str).str.strip()
    values = pd.to_numeric(text, errors="coerce")
    bad = values.isna()
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        line = first + header_lines + 1
        shown = text.iloc[first]
        problem = "is empty" if shown == "" else f"is not a number: {shown!r}"
        raise ParseError(
            f"value {problem} ({int(bad.sum())} such row(s)); fix or remove the row — "
            "kztrade does not guess missing values",
            path=path,
            row=line,
            column=column,
        )
    return values.astype("float64")

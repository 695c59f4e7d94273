"""Readers: one function per source format, each returning the tidy trade frame.

Source column names are mapped here, at the edge, and nowhere else. Every reader checks
what it reads and raises an error naming the file, the line and the column, with the fix.
Input files are only read, never changed.

Readers do not decide what to analyse: they keep aggregates (``WLD``, ``TOTAL``) that the
source publishes, marked by code, so that :mod:`kztrade.cleaning` can drop them on request.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from kztrade._io import (
    MAX_VALUE_USD,
    PathType,
    _lines,
    _parse_values,
    _read_csv,
    _read_workbook,
    _require,
)
from kztrade.cleaning import (
    decumulate,
    detect_cumulative,
    find_gaps,
    is_aggregate_name,
    normalize_hs,
    parse_number,
    to_iso3,
    unit_scale,
)
from kztrade.comtrade import read_comtrade
from kztrade.errors import KztradeWarning, ParseError, UnitsError
from kztrade.schema import TOTAL, WORLD, make_frame

__all__ = ["read_bns", "read_dots", "read_comtrade", "read_wide"]


# --------------------------------------------------------------------------- BNS

_BNS_COLUMNS = ("date", "region", "item_code", "item_name", "value", "transformation")


def read_bns(
    path: PathType,
    *,
    flow: str,
    units: str = "thousand USD",
    reporter: str = "KAZ",
    source: str = "BNS",
    kind: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    r"""Read a long CSV of Kazakhstan's Bureau of National Statistics (stat.gov.kz).

    The layout is ``date,region,item_code,item_name,value,transformation`` (or
    ``date,value,transformation`` for a national total) with values in thousand US dollars,
    annual periods dated on the year's last day and monthly ones on the month's first day.
    ``item_code`` holds partner ISO3 codes, or HS chapters (``HS01`` ... ``HS99``) and
    ``TOTAL``. Monthly files are checked for January-to-month cumulation.

    What is repaired, with a :class:`~kztrade.errors.KztradeWarning`: a semicolon or tab
    separator, Russian column names (``Дата``, ``Значение``...), thousands separators and
    decimal commas, footnote markers after values (``1 234*``, ``12.5e``, ``(p)``), rows
    marked as not published (``..``, ``x``, ``-``: left out, listed in
    ``frame.attrs["missing_cells"]``), identical repeated rows, and months missing inside a
    series (listed in ``frame.attrs["gaps"]``). Everything else raises an error naming the
    line and column.

    Parameters
    ----------
    path : str or path-like
        The CSV file.
    flow : {"export", "import"}
        The flow the file holds (BNS publishes one file per flow).
    units : str, default "thousand USD"
        Units of ``value`` as published; see :func:`kztrade.cleaning.unit_scale`.
    reporter : str, default "KAZ"
    source : str, default "BNS"
    kind : {"monthly", "cumulative"}, optional
        For monthly files: whether values are monthly or January-to-month totals. By
        default it is detected from the series (and an error raised if it cannot be told);
        cumulative values are turned into monthly ones. A stated kind that the series
        plainly contradicts raises.
    decimal : {",", "."}, optional
        The decimal mark of every value. By default it is decided for the whole column from
        the values that show it (``12,5``, ``1.234.567``, ``12.5``), and values that could
        be read either way (``1,234``, ``1.234``) follow it; pass it when no value shows it.
    encoding : str, optional
        The file's text encoding when it is not UTF-8 (e.g. ``"cp1251"``).

    Returns
    -------
    DataFrame
        A tidy frame; ``commodity_name`` holds ``item_name`` for HS files.

    Examples
    --------
    >>> import io, tempfile, pathlib
    >>> text = ("date,region,item_code,item_name,value,transformation\n"
    ...         "2021-12-31,national,MNG,Монголия,54688.98248,level\n")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "exports.csv"
    ...     _ = path.write_text(text, encoding="utf-8")
    ...     f = read_bns(path, flow="export")
    >>> f[["period", "partner", "commodity", "value_usd"]]
      period partner commodity   value_usd
    0   2021     MNG     TOTAL  54688982.48
    """
    if flow not in ("export", "import"):
        raise ParseError(f"flow must be 'export' or 'import', got {flow!r}", path=path)
    factor = unit_scale(units)
    raw = _read_csv(path, encoding=encoding, aliases=_BNS_RUSSIAN)
    _require(raw, ("date", "value"), path, "BNS long CSV: " + ",".join(_BNS_COLUMNS))
    lines = _lines(raw)
    raw = raw.apply(lambda c: c.str.strip())
    if "transformation" in raw.columns:
        other = raw["transformation"] != "level"
        if other.any():
            first = int(np.flatnonzero(other.to_numpy())[0])
            raise UnitsError(
                f"transformation {raw['transformation'].iloc[first]!r} is not 'level': the "
                "file holds derived figures (growth rates, indices), not values; export "
                "the levels",
                path=path,
                row=int(lines[first]),
                column="transformation",
            )
    if "region" in raw.columns:
        regions = sorted(set(raw["region"]) - {"national"})
        if regions:
            raise ParseError(
                f"regional rows {regions[:5]} found: adding regions to the national figures "
                "would double count; filter the file to region == 'national'",
                path=path,
                column="region",
            )
    dates = pd.to_datetime(raw["date"], format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        first = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise ParseError(
            f"date {raw['date'].iloc[first]!r} is not YYYY-MM-DD; write dates as in the "
            "BNS export (2021-12-31 for a year, 2021-04-01 for a month)",
            path=path,
            row=int(lines[first]),
            column="date",
        )
    if ((dates.dt.month == 12) & (dates.dt.day == 31)).all():
        freq = "Y"
    elif (dates.dt.day == 1).all():
        freq = "M"
    else:
        year_end = ((dates.dt.month == 12) & (dates.dt.day == 31)).to_numpy()
        first = int(np.flatnonzero(year_end != year_end[0])[0]) if len(set(year_end)) > 1 else 0
        raise ParseError(
            "dates mix frequencies (year ends and other days); expected annual periods dated "
            "on 31 December or monthly periods dated on the 1st: split the file by frequency",
            path=path,
            row=int(lines[first]),
            column="date",
        )
    periods = dates.dt.to_period(freq)
    _check_not_future(periods, path=path, lines=lines, column="date")
    values, repaired = _parse_values(
        raw["value"],
        path=path,
        lines=lines,
        columns="value",
        factor=factor,
        decimal=decimal,
        missing="drop",
    )
    codes = raw["item_code"] if "item_code" in raw.columns else pd.Series(TOTAL, index=raw.index)
    codes = codes.astype(str).str.strip()
    is_hs = codes.str.fullmatch(r"(HS\d{2,10}|TOTAL)")
    if is_hs.all():
        partner = pd.Series(WORLD, index=raw.index)
        commodity = pd.Series(normalize_hs(codes, path=path, column="item_code"), index=raw.index)
    elif codes.str.fullmatch(r"[A-Z]{3}").all():
        partner, commodity = codes, pd.Series(TOTAL, index=raw.index)
    else:
        bad = ~(is_hs | codes.str.fullmatch(r"[A-Z]{3}"))
        if not bad.any():
            # Every code is valid, but partners and HS chapters are mixed in one file.
            bad = is_hs if is_hs.sum() <= (~is_hs).sum() else ~is_hs
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise ParseError(
            f"item_code must be ISO3 partner codes or HS chapters ('HS01'..'HS99', 'TOTAL'), "
            f"found {codes[bad].unique()[:5].tolist()}; a file holds either partners or "
            "chapters, not both: split it",
            path=path,
            row=int(lines[first]),
            column="item_code",
        )
    frame = pd.DataFrame(
        {
            "period": periods,
            "reporter": reporter,
            "partner": partner,
            "flow": flow,
            "commodity": commodity,
            "value_usd": values.to_numpy(),
            "source": source,
        }
    )
    if is_hs.all() and "item_name" in raw.columns:
        frame["commodity_name"] = raw["item_name"].str.strip()
    frame = _drop_repeats(frame, codes=codes, lines=lines, path=path, raw=raw)
    frame = frame.loc[frame["value_usd"].notna()]
    if frame.empty:
        raise ParseError(
            f"no values: all {len(raw)} row(s) are marked as not published (e.g. "
            f"{repaired['missing'][0][2]!r} on line {repaired['missing'][0][0]}); kztrade does "
            "not read them as zero: export a table with values",
            path=path,
            column="value",
        )
    if freq == "M":
        frame = _to_monthly(frame, kind=kind, path=path)
    out = make_frame(frame.reset_index(drop=True), freq=freq)
    out.attrs["missing_cells"] = repaired["missing"]
    out.attrs["footnotes"] = repaired["footnotes"]
    out.attrs["gaps"] = _warn_gaps(out, path=path) if freq == "M" else []
    return out


#: Russian column names of BNS exports (lower case) and the names kztrade reads.
_BNS_RUSSIAN = {
    "дата": "date",
    "период": "date",
    "регион": "region",
    "код": "item_code",
    "код показателя": "item_code",
    "наименование": "item_name",
    "значение": "value",
    "преобразование": "transformation",
}


def _check_not_future(periods: pd.Series, *, path, lines=None, column=None) -> None:
    """Raise if a period starts after today: a typo, a forecast, or a shifted date."""
    today = pd.Timestamp.today()
    starts = pd.PeriodIndex(periods).start_time
    future = np.asarray(starts > today)
    if future.any():
        first = int(np.flatnonzero(future)[0])
        row = None if lines is None else int(np.asarray(lines)[first])
        raise ParseError(
            f"period {str(pd.PeriodIndex(periods)[first])!r} lies in the future (today is "
            f"{today:%Y-%m-%d}): a typo, a forecast or a shifted date; correct or remove it",
            path=path,
            row=row,
            column=column,
        )


def _drop_repeats(frame, *, codes, lines, path, raw) -> pd.DataFrame:
    """Drop identical repeated rows with a warning; raise on repeats that differ."""
    key = ["period", "partner", "commodity"]
    dup = frame.duplicated(key, keep=False)
    if not dup.any():
        return frame
    same = frame.duplicated([*key, "value_usd"], keep="first")
    differing = frame.loc[~same].duplicated(key, keep=False)
    if differing.any():
        first = int(np.flatnonzero(dup.to_numpy())[0])
        rows = frame.loc[dup].index
        raise ParseError(
            f"{int(dup.sum())} rows repeat the same date and item_code with different values "
            f"(first: {raw['date'].iloc[first]} {codes.iloc[first]}, lines "
            f"{[int(lines[i]) for i in rows[:4]]}): two releases or two sources in one file? "
            "remove the duplicates, keeping the figure you trust",
            path=path,
            row=int(lines[first]),
        )
    gone = [int(lines[i]) for i in np.flatnonzero(same.to_numpy())]
    _warn_once(
        f"{len(gone)} row(s) repeat an earlier row exactly and were read once (lines {gone[:5]})",
        path,
    )
    return frame.loc[~same]


def _warn_once(message: str, path) -> None:
    warnings.warn(f"{path}: {message}", KztradeWarning, stacklevel=3)


def _warn_gaps(frame: pd.DataFrame, *, path) -> list[tuple[str, str, str]]:
    gaps = find_gaps(frame, by=("partner", "commodity"))
    if gaps.empty:
        return []
    listed = [(r.partner, r.commodity, str(r.period)) for r in gaps.itertuples()]
    shown = ", ".join(f"{p}/{c} {m}" for p, c, m in listed[:5])
    _warn_once(
        f"{len(listed)} month(s) missing inside a series ({shown}); they are unknown, not "
        "zero, and are listed in frame.attrs['gaps']",
        path,
    )
    return listed


def _to_monthly(frame: pd.DataFrame, *, kind: str | None, path) -> pd.DataFrame:
    """Detect (or take) cumulation of a monthly frame and return monthly values."""
    if kind not in (None, "monthly", "cumulative"):
        raise ParseError(f"kind must be 'monthly', 'cumulative' or None, got {kind!r}", path=path)
    # Judge on the published total where there is one, else on the sum of the items.
    total_rows = frame["commodity"] == TOTAL
    if total_rows.any() and frame["partner"].nunique() == 1:
        basis = frame.loc[total_rows]
    else:
        basis = frame.loc[frame["partner"] == frame["partner"].iloc[0]]
        basis = basis.loc[basis["commodity"] == basis["commodity"].iloc[0]]
    totals = basis.groupby("period")["value_usd"].sum()
    if kind is None:
        kind = detect_cumulative(totals, name=str(path))
    else:
        try:
            seen = detect_cumulative(totals, name=str(path))
        except UnitsError:
            seen = kind
        if seen != kind:
            looks = (
                "rise through every year and fall back each January"
                if seen == "cumulative"
                else "fall within a year"
            )
            raise UnitsError(
                f"the file is declared kind={kind!r} but its values {looks}: they look "
                f"{seen}; pass kind={seen!r} (or check which table was exported)",
                path=path,
                column="value",
            )
    if kind == "monthly":
        return frame
    out = frame.copy()
    parts = []
    for _, group in out.groupby(["partner", "commodity"], sort=False):
        series = group.set_index("period")["value_usd"]
        monthly = decumulate(series, name=f"{path}")
        parts.append(group.assign(value_usd=monthly.reindex(group["period"]).to_numpy()))
    out = pd.concat(parts).sort_index()
    unknown = out.loc[out["value_usd"].isna()]
    if len(unknown):
        shown = ", ".join(f"{r.commodity} {r.period}" for r in unknown.head(5).itertuples())
        _warn_once(
            f"{len(unknown)} cumulative value(s) follow a missing month, so their month alone "
            f"cannot be known and they were left out ({shown})",
            path,
        )
    return out.loc[out["value_usd"].notna()]


# --------------------------------------------------------------------------- IMF DOTS

_DOTS_SHEETS = {"Exports, FOB": "export", "Imports, CIF": "import"}
_DOTS_NUMBER = re.compile(r"^-?\d[\d,]*(\.\d+)?$")
_ESTIMATE = re.compile(r"^\s*(?P<num>-?[\d.,]+)\s*e\s*$")


def read_dots(
    path: PathType,
    *,
    aggregates: str = "world",
    negative: str = "error",
    source: str = "IMF-DOTS",
) -> pd.DataFrame:
    """Read an IMF Direction of Trade Statistics workbook as published (annual).

    Each workbook has the sheets "Exports, FOB" and "Imports, CIF": title rows, the
    reporter's IMF name (``"Kazakhstan, Rep. of"``), ``"US Dollars, Millions"``, a header
    row of years, then one row per partner. Cells are numbers, empty, or text with a
    trailing ``" e"`` for an IMF estimate (``estimated=True``).

    Parameters
    ----------
    path : str or path-like
        The ``.xlsx`` workbook.
    aggregates : {"world", "drop"}, default "world"
        Partner rows that are groups of economies (World, regions, the EU, ...): ``"world"``
        keeps World as partner ``WLD`` and drops the groups; ``"drop"`` drops all of them.
        Dropped names are listed in ``frame.attrs["dropped_aggregates"]``.
    negative : {"error", "drop"}, default "error"
        A few DOTS cells hold negative values (adjustments), which are not trade flows:
        raise, or leave them out and list them in ``frame.attrs["negative_cells"]``.
    source : str, default "IMF-DOTS"

    Returns
    -------
    DataFrame
        A tidy frame with ``estimated`` and ``partner_name`` (the IMF name) columns.
    """
    if negative not in ("error", "drop"):
        raise ParseError(f"negative must be 'error' or 'drop', got {negative!r}", path=path)
    if aggregates not in ("world", "drop"):
        raise ParseError(f"aggregates must be 'world' or 'drop', got {aggregates!r}", path=path)
    path = Path(path)
    sheets = _read_workbook(
        path,
        what="read_dots expects an .xlsx workbook as the IMF publishes it",
        sheet_name=None,
        header=None,
        dtype=object,
    )
    missing = [s for s in _DOTS_SHEETS if s not in sheets]
    if missing:
        raise ParseError(
            f"sheet(s) {missing} not found (sheets: {list(sheets)}); expected an IMF DOTS "
            "workbook with 'Exports, FOB' and 'Imports, CIF'",
            path=path,
        )
    parts, dropped, units = [], set(), {}
    reporter_names = set()
    for sheet, flow in _DOTS_SHEETS.items():
        part, reporter_name, gone = _read_dots_sheet(sheets[sheet], path=path, sheet=sheet)
        reporter_names.add(reporter_name)
        dropped |= gone
        units[sheet] = part.attrs.pop("units")
        part["flow"] = flow
        parts.append(part)
    if len(set(units.values())) > 1:
        stated = ", ".join(f"{k!r}: {v!r}" for k, v in units.items())
        _warn_once(
            f"the sheets state different units ({stated}); each sheet was read in its own "
            "units, all values are in US dollars now — check that the workbook was not edited",
            path,
        )
    if len(reporter_names) != 1:
        raise ParseError(
            f"the two sheets name different reporters: {sorted(reporter_names)}", path=path
        )
    (reporter_name,) = reporter_names
    # The IMF's World workbook (every reporter's trade, summed) maps to WLD, an aggregate the
    # schema knows; other groups (EU, regions) have no code.
    if is_aggregate_name(reporter_name) and reporter_name.strip().lower() != "world":
        raise ParseError(
            f"the workbook's reporter {reporter_name!r} is a group of economies, not one "
            "economy: its rows cannot be mapped to a reporter code; read the members' "
            "workbooks instead",
            path=path,
        )
    (reporter,) = to_iso3([reporter_name], path=path)
    long = pd.concat(parts, ignore_index=True)
    if aggregates == "drop":
        dropped.add("World")
        long = long.loc[long["partner_name"] != "World"]
    names = long["partner_name"].unique().tolist()
    codes = dict(zip(names, to_iso3(names, path=path), strict=True))
    long["partner"] = long["partner_name"].map(codes)
    long["reporter"] = reporter
    long["commodity"] = TOTAL
    long["source"] = source
    long = long.loc[long["partner"] != reporter]
    below = long["value_usd"] < 0
    negatives = long.loc[below, ["flow", "partner_name", "period", "value_usd"]]
    if below.any() and negative != "drop":
        first = negatives.iloc[0]
        raise ParseError(
            f"{int(below.sum())} negative value(s), e.g. {first['flow']} {first['partner_name']!r} "
            f"{first['period']}: {first['value_usd'] / 1e6:g} million; trade values cannot be "
            "negative: pass negative='drop' to leave them out (they are then listed)",
            path=path,
        )
    long = long.loc[~below]
    frame = make_frame(long.reset_index(drop=True), freq="Y")
    frame.attrs["negative_cells"] = negatives.astype(str).to_dict("records")
    frame.attrs["dropped_aggregates"] = sorted(dropped)
    frame.attrs["reporter_name"] = reporter_name
    return frame


def _read_dots_sheet(raw: pd.DataFrame, *, path, sheet: str):
    """One DOTS sheet → long rows (partner_name, period, value_usd, estimated)."""
    header_row = None
    for i in range(min(len(raw), 20)):
        cells = [str(c).strip() for c in raw.iloc[i].tolist() if pd.notna(c)]
        if len(cells) >= 1 and all(re.fullmatch(r"\d{4}", c) for c in cells):
            header_row = i
            break
    if header_row is None:
        raise ParseError(
            f"sheet {sheet!r}: no header row of years (a row holding only years such as "
            "2019, 2020) in the first 20 rows; the layout changed: restore the row of years "
            "above the partner rows",
            path=path,
        )
    titles = [
        str(c).strip()
        for r in range(header_row)
        for c in raw.iloc[r].tolist()
        if pd.notna(c) and str(c).strip()
    ]
    unit_titles = [t for t in titles if "dollars" in t.lower()]
    if not unit_titles:
        raise UnitsError(
            f"sheet {sheet!r}: the units line (e.g. 'US Dollars, Millions') is missing", path=path
        )
    factor = unit_scale(unit_titles[0])
    reporter_candidates = [
        t
        for t in titles
        if t not in unit_titles and not t.lower().startswith(("exports", "imports"))
    ]
    if not reporter_candidates:
        raise ParseError(
            f"sheet {sheet!r}: the reporter's name is missing from the title rows", path=path
        )
    reporter_name = reporter_candidates[0]
    year_cols = {
        col: int(str(raw.iat[header_row, col]).strip())
        for col in range(raw.shape[1])
        if pd.notna(raw.iat[header_row, col])
    }
    # Partner names stand in the nearest column left of the years that has text below the
    # header (an inserted empty column must not hide them).
    body = raw.iloc[header_row + 1 :]
    name_cols = [
        c
        for c in range(min(year_cols) - 1, -1, -1)
        if body.iloc[:, c].map(lambda v: isinstance(v, str) and bool(v.strip())).any()
    ]
    if not name_cols:
        raise ParseError(
            f"sheet {sheet!r}: no column of partner names left of the years (row "
            f"{header_row + 1}); the layout changed: put the names just left of the years",
            path=path,
            row=header_row + 1,
        )
    name_col = name_cols[0]
    future = [y for y in year_cols.values() if y > pd.Timestamp.today().year]
    if future:
        raise ParseError(
            f"sheet {sheet!r}: year {future[0]} in the header row lies in the future (today "
            f"is {pd.Timestamp.today():%Y-%m-%d}): a shifted or mistyped header; correct it",
            path=path,
            row=header_row + 1,
        )
    rows, dropped, seen, seen_rows = [], set(), {}, {}
    for r in range(header_row + 1, len(raw)):
        name = raw.iat[r, name_col]
        if pd.isna(name) or not str(name).strip():
            continue
        name = str(name).strip()
        if name != "World" and is_aggregate_name(name):
            dropped.add(name)
            continue
        values = {}
        for col, year in year_cols.items():
            cell = raw.iat[r, col]
            if pd.isna(cell) or (isinstance(cell, str) and not cell.strip()):
                continue
            estimated = False
            where = f"sheet {sheet!r}: cell for {name!r} {year}"
            if isinstance(cell, bool) or not isinstance(cell, (str, int, float, np.number)):
                kind = "a date" if hasattr(cell, "year") else f"a {type(cell).__name__}"
                raise ParseError(
                    f"{where} holds {kind} ({cell!r}), not a number: a spreadsheet converted "
                    "it; format the cells as Number and enter the value again",
                    path=path,
                    row=r + 1,
                )
            if isinstance(cell, str):
                m = _ESTIMATE.match(cell)
                if m:
                    cell, estimated = m["num"], True
                text = cell.strip()
                try:
                    if not _DOTS_NUMBER.match(text):
                        raise ParseError(text)
                    # DOTS writes '1,247.27 e': a decimal point and thousands commas.
                    cell = parse_number(text, decimal=".")
                except ParseError:
                    raise ParseError(
                        f"sheet {sheet!r}: cell {cell!r} for {name!r} {year} is neither a number "
                        "nor a number with ' e' (IMF estimate); correct the cell",
                        path=path,
                        row=r + 1,
                    ) from None
            value = float(cell) * factor
            if not abs(value) < MAX_VALUE_USD:
                raise ParseError(
                    f"{where} is {value:.3g} USD, more than all world trade (no trade value "
                    f"reaches {MAX_VALUE_USD:.0e} USD): check the units and the cell",
                    path=path,
                    row=r + 1,
                )
            values[year] = (value, estimated)
        if name in seen:
            # Some DOTS workbooks repeat a partner row (e.g. above 'World'): identical
            # repeats are dropped; differing ones cannot be resolved without a guess.
            if seen[name] != values:
                raise ParseError(
                    f"sheet {sheet!r}: partner {name!r} appears twice with different values "
                    f"(rows {seen_rows[name] + 1} and {r + 1}); keep one of them",
                    path=path,
                    row=r + 1,
                )
            continue
        seen[name], seen_rows[name] = values, r
        for year, (value, estimated) in values.items():
            rows.append((name, str(year), value, estimated))
    if not rows:
        raise ParseError(
            f"sheet {sheet!r}: no partner rows with values below the header row "
            f"{header_row + 1}; check the sheet's layout",
            path=path,
        )
    part = pd.DataFrame(rows, columns=["partner_name", "period", "value_usd", "estimated"])
    part.attrs["units"] = unit_titles[0]
    return part, reporter_name, dropped


# --------------------------------------------------------------------------- generic wide

_WIDE_EXAMPLES = {"reporter": "KAZ", "partner": "MNG", "flow": "export", "commodity": "TOTAL"}
_YEAR_COLUMN = re.compile(r"^\s*(\d{4})\s*$")
_MONTH_COLUMN = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})\s*$")


def read_wide(
    path: PathType,
    *,
    units: str,
    source: str,
    reporter: str | None = None,
    partner: str | None = None,
    flow: str | None = None,
    commodity: str | None = None,
    sheet: str | int = 0,
    decimal: str | None = None,
    country_names: dict[str, str] | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    r"""Read a table with periods across (``2019, 2020, ...`` or ``2021-01, 2021-02, ...``).

    The other columns must be named ``reporter``, ``partner``, ``flow`` or ``commodity``
    (with country names or codes, ``export``/``import``, HS codes); whichever of them the
    table does not have is given as a keyword argument. Empty cells and cells marked as not
    published (``..``, ``x``, ``-``) are unknown values and are left out (listed in
    ``frame.attrs["empty_cells"]``), never read as zero. A ``units`` column, if present, must
    agree with ``units``. Rows of groups of economies (regions, the EU) are refused; World
    or Total rows become partner ``WLD``.

    Parameters
    ----------
    path : str or path-like
        A ``.csv`` or ``.xlsx`` file.
    units : str
        Units of the values, stated by the caller (``"thousand USD"``, ``"million USD"``...):
        never inferred.
    source : str
        Name of the source, e.g. ``"NSO-MN"``.
    reporter, partner, flow, commodity : str, optional
        Values for columns the table does not have.
    sheet : str or int, default 0
        Sheet of an Excel workbook.
    decimal : {",", "."}, optional
        Decimal mark of numbers written as text. By default it is decided once for all the
        table's value cells from those that show it (``12,5``, ``1.234.567``, ``12.5``);
        pass it when none does and some could be read either way (``1,234``, ``1.234``).
    country_names : dict, optional
        Country names the table uses that kztrade does not know, mapped to ISO3 codes.
    encoding : str, optional
        The text encoding of a CSV file that is not UTF-8 (e.g. ``"cp1251"``).

    Returns
    -------
    DataFrame
        A tidy frame.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "mongolia.csv"
    ...     _ = path.write_text("partner,2019,2020\nKazakhstan,6234.6,1391.2\n")
    ...     f = read_wide(path, units="thousand USD", source="NSO-MN", reporter="MNG",
    ...                   flow="export", commodity="TOTAL")
    >>> f[["period", "reporter", "partner", "value_usd"]]
      period reporter partner  value_usd
    0   2019      MNG     KAZ  6234600.0
    1   2020      MNG     KAZ  1391200.0
    """
    path = Path(path)
    if path.suffix.lower() in {".xlsx", ".xls"}:
        raw = _read_workbook(
            path,
            what=f"check that sheet {sheet!r} exists",
            sheet_name=sheet,
            dtype=str,
            keep_default_na=False,
        )
        lines = np.arange(len(raw)) + 2
        keep = ~(raw.astype(str).apply(lambda c: c.str.strip()) == "").all(axis=1).to_numpy()
        raw, lines = raw.loc[keep].reset_index(drop=True), lines[keep]
        if raw.empty:
            raise ParseError(f"sheet {sheet!r} has no data rows", path=path)
    else:
        raw = _read_csv(path, encoding=encoding)
        lines = _lines(raw)
    raw.columns = [str(c).strip() for c in raw.columns]
    years = {c: f"{m[1]}" for c in raw.columns if (m := _YEAR_COLUMN.match(c))}
    months = {c: f"{m[1]}-{int(m[2]):02d}" for c in raw.columns if (m := _MONTH_COLUMN.match(c))}
    if years and months:
        raise ParseError(
            f"columns mix years {list(years)[:3]} and months {list(months)[:3]}: mixed "
            "frequencies; split the table by frequency",
            path=path,
        )
    periods = years or months
    if not periods:
        raise ParseError(
            f"no period columns (e.g. '2021' or '2021-04') among {list(raw.columns)}; the "
            "header row must hold the periods",
            path=path,
        )
    freq = "Y" if years else "M"
    bad_months = [c for c, p in months.items() if not 1 <= int(p[5:]) <= 12]
    if bad_months:
        raise ParseError(
            f"column {bad_months[0]!r} is not a month (01-12)", path=path, column=bad_months[0]
        )
    _check_not_future(pd.PeriodIndex(list(periods.values()), freq=freq), path=path)
    given = {"reporter": reporter, "partner": partner, "flow": flow, "commodity": commodity}
    ids = [c for c in raw.columns if c not in periods]
    unit_col = next((c for c in ids if c.lower() in {"unit", "units"}), None)
    if unit_col is not None:
        ids.remove(unit_col)
        stated = raw[unit_col].astype(str).str.strip()
        kinds = sorted(set(stated))
        if len(kinds) > 1:
            first = int(np.flatnonzero((stated != stated.iloc[0]).to_numpy())[0])
            raise UnitsError(
                f"the file mixes units {kinds}: contradictory units in one table; split it by "
                "units or convert the rows first",
                path=path,
                row=int(lines[first]),
                column=unit_col,
            )
        if unit_scale(kinds[0]) != unit_scale(units):
            raise UnitsError(
                f"the file states units {kinds[0]!r} but units={units!r} was passed; "
                "check which is right and pass that",
                path=path,
                column=unit_col,
            )
    unknown = [c for c in ids if c not in given]
    if unknown:
        raise ParseError(
            f"column(s) {unknown} are neither periods nor one of {list(given)}; "
            "rename or drop them",
            path=path,
        )
    for name, value in given.items():
        if name in ids and value is not None:
            raise ParseError(f"{name} is both a column and an argument; give it once", path=path)
        if name not in ids and value is None:
            raise ParseError(
                f"the table has no {name!r} column: pass {name}=... "
                f"(e.g. {name}={_WIDE_EXAMPLES[name]!r})",
                path=path,
            )
    factor = unit_scale(units)
    long = (
        raw[ids + list(periods)]
        .assign(_line=lines)
        .melt(id_vars=[*ids, "_line"], var_name="_column", value_name="_text")
    )
    long["_text"] = long["_text"].astype(str).str.strip()
    empty = long["_text"] == ""
    values, repaired = _parse_values(
        long.loc[~empty, "_text"],
        path=path,
        lines=long.loc[~empty, "_line"].to_numpy(),
        columns=long.loc[~empty, "_column"].to_numpy(),
        factor=factor,
        decimal=decimal,
        missing="drop",
    )
    kept = long.loc[~empty].assign(value_usd=values.to_numpy())
    empty_cells = sorted(
        [
            (int(a), b)
            for a, b in zip(long.loc[empty, "_line"], long.loc[empty, "_column"], strict=True)
        ]
        + [(line, col) for line, col, _ in repaired["missing"]]
    )
    long = kept.loc[kept["value_usd"].notna()]
    if long.empty:
        raise ParseError("the table has no values", path=path)
    frame = pd.DataFrame(
        {name: (long[name].to_numpy() if name in ids else value) for name, value in given.items()}
    )
    frame["period"] = long["_column"].map(periods).to_numpy()
    frame["value_usd"] = long["value_usd"].to_numpy()
    frame_lines = long["_line"].to_numpy()
    for name in ("reporter", "partner"):
        texts = frame[name].astype(str).str.strip()
        aggregate = texts.map(is_aggregate_name) & ~texts.str.lower().isin(["world"])
        if aggregate.any():
            first = int(np.flatnonzero(aggregate.to_numpy())[0])
            raise ParseError(
                f"{name} {texts.iloc[first]!r} is a group of economies, not one: summing it "
                "with its members would double count; remove the row (World/Total rows are "
                "kept as 'WLD')",
                path=path,
                row=int(frame_lines[first]),
                column=name,
            )
        codes = to_iso3(texts.unique(), extra_names=country_names, path=path)
        mapped = dict(zip(texts.unique(), codes, strict=True))
        frame[name] = texts.map(mapped)
    flows = frame["flow"].astype(str).str.strip().str.lower()
    flows = flows.replace({"exports": "export", "imports": "import", "x": "export", "m": "import"})
    bad = sorted(set(flows) - {"export", "import"})
    if bad:
        raise ParseError(
            f"flow must be 'export' or 'import', found {bad}", path=path, column="flow"
        )
    frame["flow"] = flows
    frame["commodity"] = normalize_hs(frame["commodity"], path=path)
    frame["source"] = source
    dup = frame.duplicated(["period", "reporter", "partner", "flow", "commodity"], keep=False)
    if dup.any():
        first = int(np.flatnonzero(dup.to_numpy())[0])
        raise ParseError(
            f"{int(dup.sum())} cells give the same period, reporter, partner, flow and "
            "commodity (a row repeated, or two names of one country); keep one of them",
            path=path,
            row=int(frame_lines[first]),
        )
    frame = make_frame(frame, freq=freq)
    frame.attrs["empty_cells"] = empty_cells
    frame.attrs["footnotes"] = repaired["footnotes"]
    return frame

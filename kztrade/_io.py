"""Shared reading helpers for the readers: open a CSV as text, check columns, parse numbers.

Private to the package; every message names the file, the line and the column, and says
what to do. What can be repaired without a guess (a semicolon or tab separator, thousands
separators, footnote markers, Russian column names) is repaired with a
:class:`~kztrade.errors.KztradeWarning`; everything else raises a
:class:`~kztrade.errors.ParseError`. A UTF-8 byte-order mark is dropped silently: it marks
the encoding, it is not data.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Mapping
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from kztrade.errors import KztradeWarning, ParseError

PathType = str | PathLike[str]

#: No trade value is this large: world merchandise trade is about 2.5e13 USD a year (WTO).
#: A larger value is a units error or a damaged cell.
MAX_VALUE_USD = 1e15

#: Cell texts statistics offices write for a value that is not published: not available
#: ("..", "…", "n/a"), confidential ("x", "c", ":"), nil or not applicable ("-", "–", "—").
MISSING_MARKERS = frozenset({"..", "...", "…", "-", "–", "—", "x", "X", "c", ":", "n/a", "N/A"})

_UTF8_BOM = b"\xef\xbb\xbf"
# Files up to this many characters have every line's fields counted (about 0.1 s per MB).
_FULL_CHECK_CHARS = 50_000_000
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_SCIENTIFIC = re.compile(r"^[+-]?(?P<mant>\d+(\.\d*)?|\.\d+)[eE][+-]?(?P<exp>\d+)$")
# How Excel's General format shows a large number in a narrow column: 3 significant digits
# at most, capital E, two-digit exponent ("7.02E+06"). Other scientific notation (R writes
# 1e+05 for 100000) is exact and read.
_EXCEL_ROUNDED = re.compile(r"^[+-]?\d(\.\d{1,2})?E\+\d{2}$")
_CORE = re.compile(r"^(?P<sign>[+\-−–])?\s*(?P<digits>\d[\d\s\u00a0\u202f.,']*)$")
# Footnote markers written after a figure: * (note), e (estimate), p (provisional),
# r (revised), bracketed or not.
_FOOTNOTE = re.compile(r"^(?P<num>.*\d)\s*(?P<mark>\*{1,3}|\((?:p|e|r)\)|(?<=[\d\s])[epr])$", re.I)


def csv_file(path: PathType) -> Path:
    """The path of an existing file that a CSV reader may open; an error naming the fix if not."""
    path = Path(path)
    if not path.is_file():
        raise ParseError("no such file", path=path)
    if path.suffix.lower() in {".xlsx", ".xls", ".xlsm"}:
        raise ParseError(
            "this reader reads CSV text, not an Excel workbook; use read_dots for IMF DOTS "
            "workbooks or read_wide for a table with periods across",
            path=path,
        )
    return path


def _warn(message: str, path, *, row=None, column=None) -> None:
    from kztrade.errors import location

    where = location(path, row=row, column=column)
    warnings.warn(f"{where}: {message}" if where else message, KztradeWarning, stacklevel=4)


def _decode(data: bytes, path: Path, encoding: str | None) -> str:
    if encoding is not None:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(
                f"cannot decode the file as {encoding!r} ({exc}); check the encoding "
                "(most files are 'utf-8' or 'cp1251')",
                path=path,
            ) from None
    if data.startswith(_UTF16_BOMS):
        _warn("the file is UTF-16 text (Excel's 'Unicode Text'); read as such", path)
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        cyrillic = sum(1 for c in data.decode("cp1251", errors="replace") if "а" <= c <= "я")
        guess = (
            "Windows-1251 (Cyrillic)', pass encoding='cp1251'"
            if cyrillic >= 3
            else "Latin-1/Windows-1252', pass encoding='cp1252'"
        )
        raise ParseError(
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); it looks like "
            f"'{guess} or save it as CSV UTF-8",
            path=path,
            row=line,
        ) from None


def _separator(header: str, path: Path) -> str:
    if "," in header:
        return ","
    for sep in ("\t", ";"):
        if sep in header:
            _warn(
                f"columns are separated by {_SEPARATORS[sep]}s, not commas; read as such",
                path,
            )
            return sep
    return ","


def _field_problem(text: str, sep: str, path: Path) -> None:
    """Find the first line whose number of fields differs from the header's, and raise."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    header = next(reader, [])
    for row in reader:
        if row and len(row) != len(header):
            _raise_fields(row, header, reader.line_num, text, path, sep)


def _raise_fields(row, header, line, text, path, sep) -> None:
    cut = not text.endswith(("\n", "\r")) and line == text.count("\n") + 1
    if len(row) < len(header) and cut:
        raise ParseError(
            f"the last line is cut off ({len(row)} of {len(header)} fields and no line end): "
            "the file looks truncated; download or export it again",
            path=path,
            row=line,
        )
    if len(row) > len(header):
        hint = (
            "a value with an unquoted thousands separator or decimal comma (e.g. 1,234.5)? "
            "quote such values or write them without separators"
            if sep == ","
            else "a separator inside a value? quote such values"
        )
    else:
        hint = "a missing field? fix the line or export the file again"
    raise ParseError(
        f"the line has {len(row)} fields but the header has {len(header)}: {hint}",
        path=path,
        row=line,
    )


def _read_csv(
    path: PathType,
    *,
    encoding: str | None = None,
    aliases: Mapping[str, str] | None = None,
    **kwargs,
) -> pd.DataFrame:
    """Read a CSV file as text columns, with the file's line numbers in ``attrs["lines"]``.

    ``aliases`` maps other column names (e.g. Russian ones, lower case) to the expected ones.
    """
    path = csv_file(path)
    data = path.read_bytes()
    if data.startswith(_UTF8_BOM) and not data[3:].strip() or not data.strip():
        raise ParseError(
            "the file is empty; export or download it again (kztrade does not read an empty "
            "file as no trade)",
            path=path,
        )
    text = _decode(data, path, encoding)
    if text.lstrip()[:1] == "<":
        raise ParseError(
            "the file is a web page (HTML or XML text), not a CSV table: the download failed "
            "or returned an error page; download it again",
            path=path,
        )
    header = text.splitlines()[0] if text.splitlines() else ""
    sep = _separator(header, path)
    try:
        # Codes are text and "NA" is Namibia: no default missing-value strings. The header is
        # read as a row, so that pandas never takes a first column as the index when data
        # rows are longer than the header: every line must have the header's fields.
        body = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            **kwargs,
        )
    except pd.errors.EmptyDataError:
        raise ParseError("the file has no header line; export it again", path=path) from None
    except pd.errors.ParserError:
        _field_problem(text, sep, path)
        raise ParseError(
            "not a readable CSV file; save it as CSV (UTF-8) and try again", path=path
        ) from None
    if len(text) < _FULL_CHECK_CHARS:
        # pandas pads short lines with empty fields: count every line's fields to catch a
        # line cut off (a truncated download) before its blanks are read as values.
        _field_problem(text, sep, path)
    names = [str(c).strip().lstrip("\ufeff") for c in body.iloc[0].fillna("").tolist()]
    repeated = sorted({c for c in names if names.count(c) > 1 and c})
    if repeated:
        raise ParseError(
            f"column name(s) {repeated} appear more than once in the header; rename them",
            path=path,
            row=1,
        )
    raw = body.iloc[1:].reset_index(drop=True)
    raw.columns = names
    if (raw.shape[1] > 1 and "" in names) and raw[""].replace("", np.nan).isna().all():
        # A trailing separator on every line (",\n"): an empty last column, not data.
        raw = raw.drop(columns=[""])
    lines = np.arange(len(raw)) + 2
    # Blank lines and rows of empty fields (",,,,," as spreadsheets export them) are skipped.
    blank = raw.isna().all(axis=1) | ((raw == "").all(axis=1) & (raw.shape[1] > 1))
    short = raw.isna().any(axis=1) & ~blank
    if short.any():
        i = int(np.flatnonzero(short.to_numpy())[0])
        row = [v for v in raw.iloc[i].tolist() if isinstance(v, str)]
        _raise_fields(row, list(raw.columns), int(lines[i]), text, path, sep)
    raw = raw.loc[~blank.to_numpy()].reset_index(drop=True)
    lines = lines[~blank.to_numpy()]
    if raw.empty:
        raise ParseError(
            f"the file has a header ({', '.join(raw.columns)}) but no data rows; export or "
            "download it again (kztrade does not read an empty table as no trade)",
            path=path,
        )
    if aliases:
        renamed = {c: aliases[c.lower()] for c in raw.columns if c.lower() in aliases}
        if renamed:
            raw = raw.rename(columns=renamed)
            pairs = ", ".join(f"{a!r} → {b!r}" for a, b in renamed.items())
            _warn(f"column names translated: {pairs}", path)
    # A tuple: pandas compares attrs when combining frames, which arrays would break.
    raw.attrs["lines"] = tuple(int(n) for n in lines)
    return raw


def _read_workbook(path: Path, *, what: str, **kwargs):
    """Read an .xlsx workbook with pandas, turning every way it can fail into a ParseError."""
    import zipfile

    if not path.is_file():
        raise ParseError("no such file", path=path)
    head = path.read_bytes()[:512].lstrip()
    if not head:
        raise ParseError("the file is empty; download or export it again", path=path)
    if head[:1] == b"<":
        raise ParseError(
            "the file is a web page (HTML or XML text), not an Excel workbook: the download "
            "failed or returned an error page; download it again",
            path=path,
        )
    try:
        return pd.read_excel(path, **kwargs)
    except zipfile.BadZipFile:
        raise ParseError(
            "the workbook is damaged or cut off (not a complete .xlsx file); download or "
            "save it again",
            path=path,
        ) from None
    except (ValueError, OSError, KeyError) as exc:
        raise ParseError(f"not a readable Excel workbook ({exc}); {what}", path=path) from None


def _lines(raw: pd.DataFrame) -> np.ndarray:
    """The file line numbers of the rows of a frame made by :func:`_read_csv` (taken out)."""
    lines = raw.attrs.pop("lines", None)
    if lines is None or len(lines) != len(raw):
        return np.arange(len(raw)) + 2
    return np.asarray(lines)


def _require(raw: pd.DataFrame, columns, path, what: str) -> None:
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise ParseError(
            f"missing column(s) {missing}; found {list(raw.columns)}; this reader expects {what}",
            path=path,
        )


_SPACES = re.compile(r"[\s\u00a0\u202f']")


def _mark_shown(digits: str) -> str | None:
    """The decimal mark one cell's digits show, ``None`` if ambiguous, ``""`` if it has none.

    A cell is ambiguous when it has one ``.`` or ``,`` with three digits after it and one to
    three before it (``1,234``). It shows its mark when it has both marks (the last one is
    decimal: ``1.234,5``), one mark twice (the other one is decimal: ``1.234.567``), or one
    mark that cannot separate thousands: not three digits after it (``12,5``), nothing or
    ``0`` before it (``0,123``), or more than three digits just before it (``1234.567``).
    """
    s = digits.strip().lstrip("+-−–")
    commas, points = s.count(","), s.count(".")
    if commas and points:
        return "." if s.rfind(".") > s.rfind(",") else ","
    if commas > 1 or points > 1:
        return "." if commas > 1 else ","
    if not (commas or points):
        return ""
    sep = "," if commas else "."
    before, after = s.split(sep)
    run = _SPACES.split(before)[-1]
    if len(after) != 3 or _SPACES.sub("", before) in {"", "0"} or len(run) > 3:
        return sep
    return None


def _first(cells: list[tuple]) -> tuple:
    return min(cells, key=lambda cell: cell[0])


def _column_mark(
    shown: dict[str, list[tuple[int, str, str]]],
    ambiguous: list[tuple[int, str, str]],
    *,
    path,
    scope: str = "column",
) -> str | None:
    """Decide one decimal mark for the whole column (``scope``) from every cell that shows one.

    ``shown`` maps each mark to the (line, text, column) of the cells that show it,
    ``ambiguous`` lists those of the cells that could be read either way. Raises when cells
    show different marks, or when ambiguous cells exist and nothing shows the mark.
    """
    if len(shown) > 1:
        # The first cell showing each mark, in the order of the file.
        (la, ta, column, a), (lb, tb, _, b) = sorted(
            (*_first(cells), mark) for mark, cells in shown.items()
        )
        raise ParseError(
            f"the {scope} mixes decimal marks: {ta!r} (line {la}) has {a!r}, {tb!r} (line {lb}) "
            f"has {b!r}; correct the file so that one decimal mark is used",
            path=path,
            column=column,
        )
    if shown:
        return next(iter(shown))
    if ambiguous:
        line, text, column = _first(ambiguous)
        sep = "," if "," in text else "."
        raise ParseError(
            f"ambiguous number {text!r}: {sep!r} may be a decimal mark or a thousands "
            f"separator, and nothing else in the {scope} shows the decimal mark "
            f"({len(ambiguous)} such value(s)); pass decimal=',' or decimal='.' to say which, "
            "or write the values without thousands separators",
            path=path,
            row=line,
            column=column,
        )
    return None


def _separators_read(texts, values, lines, cols, written, reread, mark, scope) -> str:
    """The warning for cells read with separators, naming those whose '.' was reinterpreted."""

    def cell(i: int) -> str:
        return f"line {int(lines[i])}, column {cols[i]!r}, {texts.iat[i]!r} → {values[i]:.15g}"

    order = sorted([*written, *(int(i) for i in reread)], key=lambda i: (int(lines[i]), i))
    message = (
        f"{len(order)} value(s) written with thousands separators or a decimal comma were read "
        f"as numbers (first: {cell(order[0])})"
    )
    if mark is not None:
        message += f"; the decimal mark is {mark!r} for the whole {scope}"
    if len(reread):
        shown = "; ".join(cell(int(i)) for i in reread[:5])
        more = f"; and {len(reread) - 5} more" if len(reread) > 5 else ""
        message += (
            f"; {len(reread)} of them had only a '.', read as a thousands separator, not a "
            f"decimal point: {shown}{more}"
        )
    return message


def _parse_values(
    texts: pd.Series,
    *,
    path,
    lines: np.ndarray,
    columns,
    factor: float = 1.0,
    decimal: str | None = None,
    missing: str = "error",
    negative: str = "error",
) -> tuple[pd.Series, dict]:
    """Parse value cells as published into US dollars (``factor`` per unit).

    ``columns`` is one column name, or an array of them aligned with ``texts`` (wide tables).
    Returns the values (NaN where a missing-value marker was left out, with
    ``missing="drop"``) and what was repaired: ``{"missing": [(line, column, text)],
    "footnotes": [(line, column, text)]}``.
    """
    from kztrade.cleaning import parse_figure

    texts = texts.astype(str).str.strip().reset_index(drop=True)
    lines = np.asarray(lines)
    cols = np.asarray(
        [columns] * len(texts) if isinstance(columns, str) else list(columns), dtype=object
    )
    # A wide table's value cells, across its period columns, share one decimal mark.
    scope = "column" if isinstance(columns, str) else "table"
    values = np.full(len(texts), np.nan)
    plain = texts.str.fullmatch(_PLAIN.pattern).to_numpy(dtype=bool)
    values[plain] = pd.to_numeric(texts[plain], errors="coerce").to_numpy(dtype="float64")
    # A plain cell with a '.' (1.234, 12.5) is read as a decimal number above, but its '.'
    # may be a thousands separator: it counts as evidence for the column's decimal mark and
    # is read again below if the column's mark turns out to be ','.
    dotted = plain & texts.str.contains(".", regex=False).to_numpy(dtype=bool)
    info: dict[str, list] = {"missing": [], "footnotes": [], "separators": []}
    shown: dict[str, list[tuple[int, str, str]]] = {}
    ambiguous: list[tuple[int, str, str]] = []
    if dotted.any():
        body = texts[dotted].str.lstrip("+-")
        point = body.str.find(".").to_numpy()
        after = body.str.len().to_numpy() - point - 1
        zero = body.str.startswith("0.").to_numpy(dtype=bool)
        unclear = (after == 3) & (point >= 1) & (point <= 3) & ~zero
        where = np.flatnonzero(dotted)
        if (~unclear).any():
            i = int(where[~unclear][0])
            shown["."] = [(int(lines[i]), texts.iat[i], cols[i])]
        ambiguous += [(int(lines[i]), texts.iat[i], cols[i]) for i in where[unclear]]
    pending: list[tuple[int, str, str | None]] = []  # (position, digits, sign)
    written: list[int] = []  # positions of the cells written with separators
    for i in np.flatnonzero(~plain):
        text, line, col = texts.iat[i], int(lines[i]), cols[i]
        if text == "":
            raise ParseError(
                f"value is empty ({int((texts == '').sum())} such row(s)); fix or remove the "
                "row — kztrade does not guess missing values",
                path=path,
                row=line,
                column=col,
            )
        if text in MISSING_MARKERS:
            if missing == "error":
                raise ParseError(
                    f"value is not a number: {text!r} (a publisher's marker for a value not "
                    "published); remove the row — kztrade does not guess missing values",
                    path=path,
                    row=line,
                    column=col,
                )
            info["missing"].append((line, col, text))
            continue
        sci = _SCIENTIFIC.match(text)
        if sci:
            number = float(text)
            if abs(number * factor) < MAX_VALUE_USD and _EXCEL_ROUNDED.match(text):
                digits = len(sci["mant"].replace(".", "").lstrip("0"))
                raise ParseError(
                    f"value {text!r} keeps only {digits} significant digit(s): Excel "
                    "writes large numbers rounded like this when the column is too narrow; "
                    "format the column as Number and export it again",
                    path=path,
                    row=line,
                    column=col,
                )
            values[i] = number
            continue
        core = text
        note = _FOOTNOTE.match(text)
        if note:
            core = note["num"].strip()
            info["footnotes"].append((line, col, text))
        m = _CORE.match(core)
        if m is None:
            hint = "; brackets may mean a negative value" if text.startswith("(") else ""
            raise ParseError(
                f"value is not a number: {text!r}{hint}; correct the cell — kztrade reads "
                "digits with separators and a trailing footnote marker (*, e, p, r) only",
                path=path,
                row=line,
                column=col,
            )
        if re.search(r"[\s\u00a0\u202f.,']", m["digits"].rstrip()):
            info["separators"].append((line, col, text))
            written.append(i)
        mark = _mark_shown(m["digits"].rstrip())
        if mark:
            shown.setdefault(mark, []).append((line, text, col))
        elif mark is None:
            ambiguous.append((line, text, col))
        pending.append((i, m["digits"], m["sign"]))
    mark = decimal
    if mark is None and (shown or ambiguous):
        mark = _column_mark(shown, ambiguous, path=path, scope=scope)
    # Under a decimal comma, the '.' of a plain cell is a thousands separator (1.234 is 1234).
    reread = np.flatnonzero(dotted) if mark == "," else np.array([], dtype=int)
    for i in reread:
        body = texts.iat[i]
        pending.append((int(i), body.lstrip("+-"), "-" if body.startswith("-") else None))
    for i, digits, sign in pending:
        try:
            number = parse_figure(digits, decimal=mark).value
        except ParseError as exc:
            why = (
                f"the column's decimal mark is {mark!r}"
                + (" (as stated)" if decimal is not None else "")
                + "; "
                if mark is not None
                else ""
            )
            raise ParseError(
                f"{exc}; {why}correct the cell", path=path, row=int(lines[i]), column=cols[i]
            ) from None
        values[i] = -number if sign in {"-", "−", "–"} else number
    if len(reread):
        info["separators"] = sorted(
            info["separators"] + [(int(lines[i]), cols[i], texts.iat[i]) for i in reread],
            key=lambda cell: cell[0],
        )
    scaled = values * factor
    with np.errstate(invalid="ignore"):
        huge = ~np.isnan(scaled) & ~(np.abs(scaled) < MAX_VALUE_USD)
    if huge.any():
        i = int(np.flatnonzero(huge)[0])
        raise ParseError(
            f"value {texts.iat[i]!r} is {scaled[i]:.3g} USD, more than all world trade "
            f"(no trade value reaches {MAX_VALUE_USD:.0e} USD): check the units and the cell",
            path=path,
            row=int(lines[i]),
            column=cols[i],
        )
    below = scaled < 0
    if below.any() and negative == "error":
        i = int(np.flatnonzero(below)[0])
        raise ParseError(
            f"negative value {texts.iat[i]!r} ({int(below.sum())} such row(s)): a trade value "
            "cannot be negative; correct the row or remove it (adjustments belong in a "
            "separate table)",
            path=path,
            row=int(lines[i]),
            column=cols[i],
        )
    if written or len(reread):
        _warn(_separators_read(texts, values, lines, cols, written, reread, mark, scope), path)
    if info["footnotes"]:
        line, col, text = info["footnotes"][0]
        _warn(
            f"{len(info['footnotes'])} footnote marker(s) after values were removed and the "
            f"numbers kept (first: line {line}, column {col!r}, {text!r}); they are listed in "
            "frame.attrs['footnotes']",
            path,
        )
    if info["missing"]:
        shown = ", ".join(f"line {ln} {t!r}" for ln, _, t in info["missing"][:5])
        _warn(
            f"{len(info['missing'])} value(s) marked as not published were left out ({shown}); "
            "they are unknown, not zero, and are listed in frame.attrs['missing_cells']",
            path,
        )
    return pd.Series(scaled, index=texts.index, dtype="float64"), info


def _numbers(raw: pd.DataFrame, column: str, path, *, header_lines: int = 1) -> pd.Series:
    """Parse a column of numbers, naming the first bad line (file line numbers, 1-based)."""
    lines = raw.attrs.get("lines")
    if lines is None or len(lines) != len(raw):
        lines = np.arange(len(raw)) + header_lines + 1
    values, _ = _parse_values(raw[column], path=path, lines=lines, columns=column)
    return values.set_axis(raw.index)

"""Cleaning trade data: numbers, units, countries, HS codes, aggregates, cumulation, gaps.

Every function here is pure: it returns new values or a new frame and never changes its
input. Nothing is guessed: an ambiguous number, an unstated unit, an unknown country name or
a series that could be cumulative or monthly raises an error that says what to do.

This module does not read files (see :mod:`kztrade.readers`) and does not compute growth
(see :mod:`kztrade.growth`).
"""

from __future__ import annotations

import functools
import logging
import math
import re
import warnings
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from kztrade.errors import ParseError, SchemaError, UnitsError, UnknownCountryError
from kztrade.schema import TOTAL, WORLD

__all__ = [
    "Figure",
    "parse_figure",
    "parse_number",
    "UNIT_SCALES",
    "unit_scale",
    "scale_to_usd",
    "check_scale",
    "to_iso3",
    "AGGREGATE_NAMES",
    "is_aggregate_name",
    "normalize_hs",
    "is_aggregate",
    "aggregates_beside_parts",
    "AggregateRows",
    "drop_aggregates",
    "detect_cumulative",
    "decumulate",
    "cumulate",
    "find_duplicates",
    "find_gaps",
]

# --------------------------------------------------------------------------- numbers

#: Words and abbreviations for scales, as statistics offices and press releases write them.
SCALE_WORDS: dict[str, float] = {
    "thousand": 1e3,
    "thousands": 1e3,
    "thou": 1e3,
    "th": 1e3,
    "k": 1e3,
    "тыс": 1e3,
    "тысяч": 1e3,
    "тысячи": 1e3,
    "тысяча": 1e3,
    "million": 1e6,
    "millions": 1e6,
    "mln": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "млн": 1e6,
    "миллион": 1e6,
    "миллиона": 1e6,
    "миллионов": 1e6,
    "billion": 1e9,
    "billions": 1e9,
    "bln": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "млрд": 1e9,
    "миллиард": 1e9,
    "миллиарда": 1e9,
    "миллиардов": 1e9,
}
_CURRENCY = r"(?:usd|us\s*dollars?|dollars?\s*us|u\.s\.\s*dollars?|\$|долл\w*(?:\s*сша)?|\$\s*us)"
_SCALE = "|".join(sorted((re.escape(w) for w in SCALE_WORDS), key=len, reverse=True))
_FIGURE = re.compile(
    r"^\s*(?P<open>\()?\s*(?P<cur1>" + _CURRENCY + r")?\s*"
    r"(?P<sign>[+\-−–])?\s*(?P<cur2>" + _CURRENCY + r")?\s*"
    r"(?P<num>\d[\d\s\u00a0\u202f.,']*)\s*"
    r"(?P<pct>%|percent|per\s*cent|процент\w*)?\s*"
    r"(?:(?P<scale>" + _SCALE + r")\.?)?\s*"
    r"(?P<cur3>" + _CURRENCY + r")?\.?\s*(?P<close>\))?\s*$",
    re.IGNORECASE,
)


class Figure(NamedTuple):
    """A number as published, with what was said about it.

    Attributes
    ----------
    value : float
        The value: a fraction for percentages (``0.481`` for ``48.1%``), scale words applied
        (``30.4 million`` is ``30_400_000.0``).
    decimals : int
        Decimal places as written (``60.9`` → 1): the precision of the statement.
    percent : bool
        Whether it was a percentage.
    scale : float
        The scale word's factor (1.0 if none was written).
    currency : bool
        Whether a currency (USD, $, US dollars, долларов США) was written.
    """

    value: float
    decimals: int
    percent: bool
    scale: float
    currency: bool


def _check_groups(digits: str, decimal: str | None, text: str) -> None:
    """Refuse thousands separators that do not separate groups of three ("1 2", "1,2345")."""
    raw = digits.strip().rstrip(".,")
    whole = raw.split(decimal)[0] if decimal and decimal in raw else raw
    others = "".join(m for m in ",." if m != decimal)
    groups = re.split("[\\s\u00a0\u202f'" + re.escape(others) + "]+", whole)
    if len(groups) > 1 and (not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])):
        raise ParseError(
            f"cannot read {text!r} as a number: misplaced thousands separators (groups of "
            "three digits expected)"
        )


def _split_number(digits: str, text: str) -> tuple[float, int]:
    """Read the digits of one number, deciding between decimal and thousands separators."""
    value, decimals, mark = _split_marks(digits, text)
    _check_groups(digits, mark, text)
    return value, decimals


def _split_marks(digits: str, text: str) -> tuple[float, int, str | None]:
    s = re.sub(r"[\s\u00a0\u202f']", "", digits)
    s = s.rstrip(".,")
    commas, points = s.count(","), s.count(".")
    if commas and points:
        # Both present: the last one is the decimal mark ("1,234.5" or "1.234,5").
        dec, thou = (".", ",") if s.rfind(".") > s.rfind(",") else (",", ".")
        intpart, frac = s.rsplit(dec, 1)
        groups = intpart.split(thou)
        if any(len(g) != 3 for g in groups[1:]) or not groups[0]:
            raise ParseError(f"cannot read {text!r} as a number: misplaced separators")
        return float("".join(groups) + "." + frac), len(frac), dec
    mark = "," if commas else "." if points else None
    if mark is None:
        return float(s), 0, None
    parts = s.split(mark)
    if len(parts) > 2:
        # "1,234,567" or "1.234.567": thousands separators only.
        if any(len(g) != 3 for g in parts[1:]):
            raise ParseError(f"cannot read {text!r} as a number: misplaced separators")
        return float("".join(parts)), 0, None
    intpart, frac = parts
    if len(frac) == 3 and intpart not in {"", "0"}:
        # "1,234" could be 1.234 or 1234: refuse to guess.
        raise ParseError(
            f"ambiguous number {text!r}: {mark!r} may be a decimal mark or a thousands "
            "separator; write it unambiguously (e.g. '1234' or '1.234' with a unit) or "
            "pass decimal=',' or decimal='.'"
        )
    return float(intpart + "." + frac), len(frac), mark


def parse_figure(text: str, *, decimal: str | None = None) -> Figure:
    """Read a number the way statistics offices and press releases write it.

    Understands decimal commas and points (``60,9``, ``1 234,5``, ``1,234.5``), signs
    including the minus sign and dashes (``−50,3%``), brackets (``(+48,1%)``), percentages,
    scale words in English and Russian (``thousand``, ``million``, ``bn``, ``тыс.``,
    ``млн``, ``млрд``) and currencies (``USD``, ``US dollars``, ``$``, ``долларов США``).

    Parameters
    ----------
    text : str
        One figure, e.g. ``"30,4 million USD"``.
    decimal : {",", "."}, optional
        The decimal mark, when the caller knows it. Without it, a lone separator followed by
        exactly three digits (``"1,234"``) is ambiguous and raises.

    Returns
    -------
    Figure
        The value and what was said about it.

    Raises
    ------
    ParseError
        If the text is not one figure, or is ambiguous.

    Examples
    --------
    >>> parse_figure("(+48,1%)")
    Figure(value=0.481, decimals=1, percent=True, scale=1.0, currency=False)
    >>> parse_figure("466 thousand").value
    466000.0
    >>> parse_figure("30.4 million USD").value
    30400000.0
    """
    if not isinstance(text, str):
        raise ParseError(f"expected text, got {type(text).__name__} {text!r}")
    m = _FIGURE.match(text)
    if m is None:
        raise ParseError(
            f"cannot read {text!r} as one number (with optional %, scale and currency)"
        )
    digits = m["num"]
    if decimal is not None:
        if decimal not in {",", "."}:
            raise ParseError(f"decimal must be ',' or '.', got {decimal!r}")
        thou = "." if decimal == "," else ","
        _check_groups(digits, decimal, text)
        cleaned = re.sub(r"[\s\u00a0\u202f']", "", digits).replace(thou, "")
        cleaned = cleaned.rstrip(decimal) if cleaned.endswith(decimal) else cleaned
        if cleaned.count(decimal) > 1:
            raise ParseError(f"cannot read {text!r} with decimal mark {decimal!r}")
        intpart, _, frac = cleaned.partition(decimal)
        number, decimals = float(intpart + ("." + frac if frac else "")), len(frac)
    else:
        number, decimals = _split_number(digits, text)
    percent = m["pct"] is not None
    scale_word = (m["scale"] or "").lower()
    scale = SCALE_WORDS.get(scale_word, 1.0)
    if percent and scale_word:
        raise ParseError(f"cannot read {text!r}: a percentage with a scale word")
    sign = -1.0 if m["sign"] in {"-", "−", "–"} else 1.0
    value = sign * number * scale
    if percent:
        value = sign * number / 100.0
        # Keep the fraction exact to the stated digits (48.1% -> 0.481, not 0.48100000000000004).
        value = round(value, decimals + 2)
    if not math.isfinite(value):
        raise ParseError(f"cannot read {text!r}: the number is too large to be a figure")
    currency = any(m[g] for g in ("cur1", "cur2", "cur3"))
    return Figure(float(value), decimals, percent, float(scale), bool(currency))


def parse_number(text, *, decimal: str | None = None) -> float:
    """Read one published figure as a float: USD for amounts, a fraction for percentages.

    A thin wrapper of :func:`parse_figure` that returns only the value; numbers pass
    through unchanged.

    Examples
    --------
    >>> parse_number("1 234,5")
    1234.5
    >>> parse_number("−50,3%")
    -0.503
    >>> parse_number("12,5 млн долларов США")
    12500000.0
    >>> parse_number("1,234")
    Traceback (most recent call last):
    ...
    kztrade.errors.ParseError: ambiguous number '1,234': ...
    """
    if isinstance(text, (int, float, np.integer, np.floating)) and not isinstance(text, bool):
        return float(text)
    return parse_figure(text, decimal=decimal).value


# --------------------------------------------------------------------------- units

#: Units as published and their factor to US dollars.
UNIT_SCALES: dict[str, float] = {
    "USD": 1.0,
    "thousand USD": 1e3,
    "million USD": 1e6,
    "billion USD": 1e9,
}
_UNIT_ALIASES = {
    "usd": "USD",
    "us dollars": "USD",
    "units": "USD",
    "thousand usd": "thousand USD",
    "thousands usd": "thousand USD",
    "usd thousand": "thousand USD",
    "usd thousands": "thousand USD",
    "thousand us dollars": "thousand USD",
    "тыс. долларов сша": "thousand USD",
    "million usd": "million USD",
    "millions usd": "million USD",
    "usd million": "million USD",
    "usd millions": "million USD",
    "us dollars, millions": "million USD",
    "us dollars, thousands": "thousand USD",
    "us dollars, billions": "billion USD",
    "тыс. долл. сша": "thousand USD",
    "млн. долларов сша": "million USD",
    "млн. долл. сша": "million USD",
    "млн долларов сша": "million USD",
    "billion usd": "billion USD",
    "usd billion": "billion USD",
}


def unit_scale(units: str) -> float:
    """Return the factor that turns values in ``units`` into US dollars.

    Parameters
    ----------
    units : str
        One of :data:`UNIT_SCALES` or a common spelling of it (``"US Dollars, Millions"``).

    Examples
    --------
    >>> unit_scale("thousand USD")
    1000.0
    >>> unit_scale("US Dollars, Millions")
    1000000.0
    >>> unit_scale("tonnes")
    Traceback (most recent call last):
    ...
    kztrade.errors.UnitsError: unknown units 'tonnes'; use one of ['USD', ...
    """
    if not isinstance(units, str):
        raise UnitsError(
            f"units must be stated as text, got {units!r}; use one of {list(UNIT_SCALES)}"
        )
    key = " ".join(units.strip().lower().split())
    canonical = _UNIT_ALIASES.get(key, units if units in UNIT_SCALES else None)
    if canonical is None:
        raise UnitsError(f"unknown units {units!r}; use one of {list(UNIT_SCALES)}")
    return UNIT_SCALES[canonical]


def scale_to_usd(values, *, units: str):
    """Convert values published in ``units`` to US dollars.

    Units are never inferred: the caller states them.

    Parameters
    ----------
    values : scalar, array-like or Series
        Values as published.
    units : str
        See :func:`unit_scale`.

    Returns
    -------
    Same type as ``values``, new object, in USD.

    Examples
    --------
    >>> scale_to_usd(54688.98248, units="thousand USD")
    54688982.48
    """
    factor = unit_scale(units)
    if isinstance(values, pd.Series):
        return values.astype("float64") * factor
    if np.ndim(values) == 0:
        return float(values) * factor
    return np.asarray(values, dtype="float64") * factor


def check_scale(
    values: Iterable[float],
    reference: Iterable[float],
    *,
    what: str = "values",
    tolerance: float = 0.05,
) -> float:
    """Check that values and a reference for the same totals are in the same units.

    The classic silent error is a table in thousands added to one in units. This compares
    each value with its reference and raises when the ratio is near a power of 1000.

    Parameters
    ----------
    values, reference : array-like
        Pairs of figures that should agree (e.g. a sum of partners and the published total).
    what : str
        Name used in the error message.
    tolerance : float, default 0.05
        Accepted relative difference of the median ratio from 1.

    Returns
    -------
    float
        The median ratio ``values / reference``.

    Raises
    ------
    UnitsError
        If the ratio is near 1000, 1/1000, 10**6, ... (a units mismatch), or otherwise far
        from 1 (a different coverage; the message says which).

    Examples
    --------
    >>> check_scale([1000.0, 2000.0], [1000.0, 2010.0])
    0.9975...
    >>> check_scale([1.0, 2.0], [1000.0, 2000.0], what="exports")
    Traceback (most recent call last):
    ...
    kztrade.errors.UnitsError: exports are about 1000 times smaller than their reference ...
    """
    v = np.asarray(list(values), dtype="float64")
    r = np.asarray(list(reference), dtype="float64")
    if v.shape != r.shape or v.size == 0:
        raise UnitsError(f"{what}: need pairs of values and references of the same length")
    ok = (r != 0) & np.isfinite(v) & np.isfinite(r)
    ratio = float(np.median(v[ok] / r[ok]))
    if abs(ratio - 1) <= tolerance:
        return ratio
    power = round(math.log10(abs(ratio)) / 3) if ratio > 0 else 0
    if power != 0 and abs(ratio / 1000.0**power - 1) <= max(tolerance, 0.25):
        factor = 1000 ** abs(power)
        direction = "larger" if power > 0 else "smaller"
        raise UnitsError(
            f"{what} are about {factor} times {direction} than their reference (median ratio "
            f"{ratio:.4g}): a units mismatch (thousands vs units?); state the units of both"
        )
    raise UnitsError(
        f"{what} differ from their reference by a median ratio of {ratio:.4g}: not a units "
        "mismatch, but the figures do not cover the same trade; check what each includes"
    )


# --------------------------------------------------------------------------- countries

#: IMF DOTS partner rows that are groups of economies, not countries.
AGGREGATE_NAMES: frozenset[str] = frozenset(
    {
        "World",
        "Advanced Economies",
        "Euro Area",
        "Emerging and Developing Economies",
        "Emerging and Developing Asia",
        "Emerging and Developing Europe",
        "Middle East and Central Asia",
        "Middle East, North Africa, Afghanistan, and Pakistan",
        "Sub-Saharan Africa",
        "Western Hemisphere",
        "Other Countries not included elsewhere",
        "Countries & Areas not specified",
        "Memorandum Items",
        "Africa",
        "Middle East",
        "European Union",
        "Export earnings: fuel",
        "Export earnings: nonfuel",
        "Emerging Market and Developing Economies by Source of Export Earnings: Fuel",
        "Emerging Market and Developing Economies by Source of Export Earnings: Nonfuel",
        "Africa not specified",
        "Asia not specified",
        "Europe not specified",
        "Middle East not specified",
        "Western Hemisphere not specified",
        "Special Categories",
        "Areas not specified",
        # A customs union and a part of a country, published beside their members.
        "South African Common Customs Area (SACCA)",
        "Malaysia, West",
    }
)


def is_aggregate_name(name: str) -> bool:
    """Tell whether an IMF DOTS partner name is a group of economies rather than one.

    Examples
    --------
    >>> is_aggregate_name("Middle East and Central Asia not specified")
    True
    >>> is_aggregate_name("Kazakhstan, Rep. of")
    False
    """
    text = str(name).strip()
    lowered = text.lower()
    return (
        text in AGGREGATE_NAMES
        or lowered.endswith("not specified")
        or lowered.endswith("not included elsewhere")
    )


# Names that country_converter maps to several countries or not at all. Former economies
# keep their withdrawn ISO 3166-3 codes (CSK, YUG, DDR, SUN, ANT, SCG, YMD); Belgium-Luxembourg
# and the Yemen Arab Republic use the UN Comtrade codes BLX and YAR.
_COUNTRY_OVERRIDES: dict[str, str] = {
    "world": WORLD,
    "aruba, kingdom of the netherlands": "ABW",
    "curaçao, kingdom of the netherlands": "CUW",
    "sint maarten, kingdom of the netherlands": "SXM",
    "belgium-luxembourg": "BLX",
    "czechoslovakia": "CSK",
    "yugoslavia": "YUG",
    "yugoslavia, sfr": "YUG",
    "eastern germany": "DDR",
    "ussr": "SUN",
    "netherlands antilles": "ANT",
    "serbia and montenegro": "SCG",
    "yemen arab rep.": "YAR",
    "yemen, people's dem. rep. of": "YMD",
    "kosovo, rep. of": "XKX",
    "kosovo": "XKX",
    "total": WORLD,
    "world total": WORLD,
    "all countries": WORLD,
    "мир": WORLD,
    "всего": WORLD,
}


# Short names that stand for two countries: refused, never resolved to one of them.
_AMBIGUOUS_NAMES: dict[str, tuple[str, ...]] = {
    "korea": ("KOR", "PRK"),
    "корея": ("KOR", "PRK"),
    "congo": ("COG", "COD"),
    "virgin islands": ("VGB", "VIR"),
    "виргинские острова": ("VGB", "VIR"),
}


# Names already looked up with country_converter (its regular expressions are slow).
_CONVERTED: dict[str, str | None] = {}


@functools.lru_cache(maxsize=1)
def _converter():
    """A country_converter instance, built once, that keeps 'NA' as Namibia."""
    import os

    import country_converter as coco
    from pandas._libs.parsers import STR_NA_VALUES

    logging.getLogger("country_converter").setLevel(logging.ERROR)
    # country_converter's own loader turns the ISO2 code 'NA' (Namibia) into a missing value
    # under pandas 3; read its table with 'NA' kept as text and hand it over.
    path = os.path.join(os.path.dirname(coco.__file__), "country_data.tsv")
    table = pd.read_csv(
        path,
        sep="\t",
        encoding="utf-8",
        dtype=str,
        keep_default_na=False,
        na_values=sorted(STR_NA_VALUES - {"NA"}),
    )
    return coco.CountryConverter(country_data=table)


@functools.lru_cache(maxsize=1)
def _russian_names() -> dict[str, str]:
    """Russian country names as Kazakhstan's Bureau of National Statistics publishes them."""
    from kztrade.datasets import data_path

    path = data_path("country_names_ru.csv")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    return {
        name.strip().lower(): code
        for name, code in zip(table["name_ru"], table["iso3"], strict=True)
    }


def to_iso3(
    names: Iterable[str],
    *,
    extra_names: Mapping[str, str] | None = None,
    path=None,
) -> list[str]:
    """Map country names or codes to ISO 3166 alpha-3 codes.

    English names, IMF DOTS names (``"Kazakhstan, Rep. of"``), Russian names as BNS
    publishes them (``"Монголия"``), ISO2/ISO3 codes and ``"World"`` (→ ``WLD``) are
    understood. Former economies keep their withdrawn codes (``CSK``, ``YUG``, ``SUN``).

    Parameters
    ----------
    names : iterable of str
        The names.
    extra_names : mapping, optional
        Names the caller maps itself, checked first.
    path : str or path-like, optional
        The file the names come from, for the error message.

    Returns
    -------
    list of str
        One code per name, in order.

    Raises
    ------
    UnknownCountryError
        Listing every name that could not be mapped (not only the first), or that maps to
        several countries.

    Examples
    --------
    >>> to_iso3(["Kazakhstan, Rep. of", "Монголия", "NA", "World"])
    ['KAZ', 'MNG', 'NAM', 'WLD']
    >>> to_iso3(["Korea"])
    Traceback (most recent call last):
    ...
    kztrade.errors.UnknownCountryError: 1 country name(s) ...: 'Korea'; ambiguous: ...
    >>> to_iso3(["Atlantis", "Mongolia", "Narnia"])
    Traceback (most recent call last):
    ...
    kztrade.errors.UnknownCountryError: 2 country name(s) could not be mapped to ISO3: ...
    """
    names = list(names)
    extra = {str(k).strip().lower(): v for k, v in (extra_names or {}).items()}
    mapping: dict[str, str | None] = {}
    ambiguous: dict[str, tuple[str, ...]] = {}
    pending: list[str] = []
    for name in dict.fromkeys(names):
        if not isinstance(name, str) or not name.strip():
            mapping[name] = None
            continue
        key = " ".join(name.strip().lower().split())
        if key in extra:
            mapping[name] = extra[key]
        elif key in _AMBIGUOUS_NAMES:
            ambiguous[name] = _AMBIGUOUS_NAMES[key]
        elif key in _COUNTRY_OVERRIDES:
            mapping[name] = _COUNTRY_OVERRIDES[key]
        elif re.fullmatch(r"[A-Z]{3}", name.strip()) and name.strip() == WORLD:
            mapping[name] = WORLD
        elif re.search("[а-яё]", key):
            mapping[name] = _russian_names().get(key)
        else:
            pending.append(name)
    for name in pending:
        if name in _CONVERTED:
            mapping[name] = _CONVERTED[name]
    pending = [n for n in pending if n not in _CONVERTED]
    if pending:
        # not_found=None would hand back the input itself: use an empty marker instead.
        converted = _converter().convert(pending, to="ISO3", not_found="")
        if len(pending) == 1:
            converted = [converted]
        for name, code in zip(pending, converted, strict=True):
            ok = isinstance(code, str) and re.fullmatch(r"[A-Z]{3}", code) is not None
            mapping[name] = _CONVERTED[name] = code if ok else None
    if ambiguous:
        options = "; ".join(f"{n!r} could be {' or '.join(c)}" for n, c in ambiguous.items())
        first, codes = next(iter(ambiguous.items()))
        raise UnknownCountryError(
            list(ambiguous),
            path=path,
            hint=f"ambiguous: {options}; write the full name (e.g. 'Korea, Rep.') or pass "
            f"extra_names={{{first!r}: {codes[0]!r}}}",
        )
    unknown = [n for n in dict.fromkeys(names) if mapping.get(n) is None]
    if unknown:
        raise UnknownCountryError([str(n) for n in unknown], path=path)
    return [mapping[n] for n in names]


# --------------------------------------------------------------------------- HS codes

_HS_LENGTHS = (2, 4, 6, 8, 10)


def normalize_hs(
    codes: Iterable, *, path=None, column: str = "commodity", warn: bool = True
) -> list[str]:
    """Return HS codes as zero-padded text, restoring leading zeros lost to spreadsheets.

    ``101`` → ``"0101"``, ``"HS01"`` → ``"01"``, ``"8471.0"`` → ``"8471"``,
    ``"Total"``/``"TOTAL"`` → ``"TOTAL"``. Codes in Excel's scientific format
    (``"1.01E+05"``) have lost digits and raise.

    Parameters
    ----------
    codes : iterable
        Codes as text or integers.
    path, column : optional
        Where the codes come from, for the error message.
    warn : bool, default True
        Warn (:class:`~kztrade.errors.KztradeWarning`) when leading zeros were restored:
        the input went through a spreadsheet and other columns may have suffered too.

    Raises
    ------
    ParseError
        Listing the codes that are not 1–10 digits (after removing an ``HS`` prefix) or
        that have an invalid length.

    Examples
    --------
    >>> normalize_hs([101, "HS01", "010121", "Total", 9], warn=False)
    ['0101', '01', '010121', 'TOTAL', '09']
    >>> normalize_hs(["0101x"])
    Traceback (most recent call last):
    ...
    kztrade.errors.ParseError: column 'commodity': invalid HS code(s) ['0101x']: ...
    """
    out, bad, excel, padded = [], [], [], []
    for code in codes:
        if isinstance(code, (int, np.integer)) and not isinstance(code, bool):
            text = str(int(code))
        elif isinstance(code, float) and code.is_integer():
            text = str(int(code))
        else:
            text = str(code).strip()
        upper = text.upper()
        if upper in {"TOTAL", "ALL", "TOTAL TRADE"}:
            out.append(TOTAL)
            continue
        if upper.startswith("HS"):
            text = text[2:].strip()
        if _HS_SCIENTIFIC.match(text):
            # '1.01E+05': Excel showed the code as a rounded number; its digits are lost.
            excel.append(code)
            out.append(text)
            continue
        if _HS_FLOAT.match(text):
            # '8471.0': the code went through a float column; only the '.0' is added.
            text = text.split(".")[0]
            padded.append(code)
        if not text.isdigit() or not 1 <= len(text) <= 10:
            bad.append(code)
            out.append(text)
            continue
        if len(text) % 2:
            text = "0" + text
            padded.append(code)
        out.append(text)
    if excel:
        raise ParseError(
            f"HS code(s) {excel[:10]} are in Excel's scientific format: their digits are lost "
            "and cannot be restored; format the code column as Text in the spreadsheet and "
            "export it again",
            path=path,
            column=column,
        )
    if bad:
        more = " ..." if len(bad) > 10 else ""
        raise ParseError(
            f"invalid HS code(s) {bad[:10]}{more}: an HS code has 2, 4, 6, 8 or 10 digits "
            "(leading zeros may be missing), or is 'TOTAL'",
            path=path,
            column=column,
        )
    if padded and warn:
        from kztrade.errors import KztradeWarning, location

        where = location(path, column=column)
        warnings.warn(
            f"{where}: {len(padded)} HS code(s) had lost their leading zero or gained a '.0' "
            f"(a spreadsheet read them as numbers) and were restored, e.g. {padded[0]!r} → "
            f"{normalize_hs([padded[0]], warn=False)[0]!r}",
            KztradeWarning,
            stacklevel=2,
        )
    return out


_HS_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE][+-]?\d+$")
_HS_FLOAT = re.compile(r"^\d+\.0+$")


# --------------------------------------------------------------------------- aggregates


def is_aggregate(frame: pd.DataFrame) -> pd.Series:
    """Mark rows that would be counted twice if added to other rows of the same frame.

    A row is an aggregate when its parts are in the frame too:

    - partner ``WLD`` when other partners are there for the same period, reporter, flow,
      commodity and source;
    - commodity ``TOTAL`` when HS codes are there for the same period, reporter, partner,
      flow and source;
    - an HS code when one of its sub-codes is there (``"01"`` when ``"0101"`` is).

    A ``WLD`` or ``TOTAL`` row without parts beside it (a month published as a total only)
    is not flagged: it double counts nothing.

    Returns
    -------
    Series of bool
        Aligned with ``frame``; a new object.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": 2021, "reporter": "KAZ", "partner": "MNG",
    ...                 "flow": "export", "commodity": ["TOTAL", "01", "0101", "02"],
    ...                 "value_usd": [5.0, 3.0, 3.0, 2.0], "source": "X"}, freq="Y")
    >>> is_aggregate(f).tolist()
    [True, True, False, False]
    """
    from kztrade.schema import KEY

    flags = np.zeros(len(frame), dtype=bool)
    for of in ("partner", "commodity"):
        if of in frame.columns:
            within = [c for c in KEY if c != of and c in frame.columns]
            flags |= aggregates_beside_parts(frame, of=of, within=within).aggregate
    return pd.Series(flags, index=frame.index)


class AggregateRows(NamedTuple):
    """What :func:`aggregates_beside_parts` found.

    Attributes
    ----------
    aggregate : ndarray of bool
        Rows that are aggregates of other rows of their group.
    part : ndarray of bool
        Rows that are parts of such an aggregate (in a group that has one).
    group : ndarray of int
        Each row's group number.
    pair : tuple of str or None
        One aggregate and one of its parts, for messages (``("01", "0101")``).
    """

    aggregate: np.ndarray
    part: np.ndarray
    group: np.ndarray
    pair: tuple[str, str] | None


def aggregates_beside_parts(frame: pd.DataFrame, *, of: str, within) -> AggregateRows:
    """Find rows of column ``of`` that are aggregates of other rows in the same group.

    The one rule that both :func:`is_aggregate` (which rows to drop) and the summing
    functions of :mod:`kztrade.growth` (whether a sum would count twice) apply: within a
    group of ``within``, partner ``WLD`` is the aggregate of the other partners, commodity
    ``TOTAL`` of the HS codes, and an HS code of its longer sub-codes (``"01"`` of
    ``"0101"``). An aggregate without its parts in the group is not flagged.

    Parameters
    ----------
    frame : DataFrame
        Has the column ``of`` and the columns ``within``.
    of : {"partner", "commodity"}
        The column whose items may be aggregates.
    within : sequence of str
        The columns that define a group (an empty sequence: one group).

    Returns
    -------
    AggregateRows

    Examples
    --------
    >>> f = pd.DataFrame({"commodity": ["TOTAL", "01", "0101", "02"]})
    >>> found = aggregates_beside_parts(f, of="commodity", within=[])
    >>> found.aggregate.tolist(), found.pair
    ([True, True, False, False], ('TOTAL', '01'))
    """
    within = list(within)
    n = len(frame)
    if within and n:
        group = frame.groupby(within, observed=True, sort=False, dropna=False).ngroup().to_numpy()
    else:
        group = np.zeros(n, dtype=np.int64)
    values = frame[of].astype(str).to_numpy() if n else np.array([], dtype=object)
    top = WORLD if of == "partner" else TOTAL
    is_top = values == top
    by_group = pd.Series(is_top).groupby(group)
    has_other = (~pd.Series(is_top)).groupby(group).transform("any").to_numpy(dtype=bool)
    aggregate = is_top & has_other
    has_top = by_group.transform("any").to_numpy(dtype=bool) if n else aggregate
    part = ~is_top & has_top
    pair = None
    if aggregate.any():
        first = int(np.flatnonzero(aggregate)[0])
        others = np.flatnonzero(part & (group == group[first]))
        pair = (top, str(values[others[0]]))
    if of == "commodity" and n:
        codes = pd.DataFrame({"group": group, "code": values})[~is_top].drop_duplicates()
        lengths = codes["code"].str.len()
        parents: set[tuple[int, str]] = set()
        children: set[tuple[int, str]] = set()
        for length in sorted(lengths.unique())[:-1] if len(codes) > 1 else []:
            longer = codes[lengths > length]
            prefixes = pd.DataFrame(
                {
                    "group": longer["group"],
                    "code": longer["code"].str[:length],
                    "sub": longer["code"],
                }
            )
            hits = prefixes.merge(codes, on=["group", "code"], how="inner")
            if len(hits):
                parents |= set(zip(hits["group"], hits["code"], strict=True))
                children |= set(zip(hits["group"], hits["sub"], strict=True))
                if pair is None:
                    pair = (str(hits.iloc[0]["code"]), str(hits.iloc[0]["sub"]))
        if parents:
            keys = list(zip(group.tolist(), values.tolist(), strict=True))
            aggregate = aggregate | np.array([k in parents for k in keys], dtype=bool)
            part = part | np.array([k in children for k in keys], dtype=bool)
    return AggregateRows(aggregate, part, group, pair)


def drop_aggregates(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a new frame without aggregate rows (see :func:`is_aggregate`).

    What remains can be summed without counting anything twice. A total published without
    its parts (e.g. a month with a TOTAL row only) is kept, since it double counts nothing.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": 2021, "reporter": "KAZ", "partner": ["WLD", "MNG"],
    ...                 "flow": "export", "commodity": "01",
    ...                 "value_usd": [5.0, 3.0], "source": "X"}, freq="Y")
    >>> drop_aggregates(f)["partner"].tolist()
    ['MNG']
    >>> drop_aggregates(f.iloc[:1])["partner"].tolist()  # a world total on its own stays
    ['WLD']
    """
    return frame.loc[~is_aggregate(frame)].reset_index(drop=True)


# --------------------------------------------------------------------------- cumulation


def _month_index(series: pd.Series) -> pd.PeriodIndex:
    index = series.index
    if isinstance(index, pd.DatetimeIndex):
        index = index.to_period("M")
    if not isinstance(index, pd.PeriodIndex) or index.freqstr not in {"M"}:
        raise SchemaError("expected a Series indexed by monthly periods (PeriodIndex, freq 'M')")
    return index


def detect_cumulative(series: pd.Series, *, name: str = "series") -> str:
    """Tell whether a monthly series holds monthly values or January-to-month totals.

    A cumulative (year-to-date) series never falls within a year and falls back at each
    January; a monthly flow series rises and falls. With too little evidence to tell, this
    raises instead of guessing.

    Parameters
    ----------
    series : Series
        Non-negative values indexed by monthly periods.
    name : str
        Name used in the error message.

    Returns
    -------
    {"monthly", "cumulative"}

    Raises
    ------
    UnitsError
        When the series could be either.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.period_range("2021-01", "2022-12", freq="M")
    >>> monthly = pd.Series([5, 7, 6, 8, 7, 9, 6, 8, 7, 9, 8, 10] * 2, index=idx, dtype=float)
    >>> detect_cumulative(monthly)
    'monthly'
    >>> detect_cumulative(monthly.groupby(idx.year).cumsum())
    'cumulative'
    """
    index = _month_index(series)
    values = pd.Series(series.to_numpy(dtype="float64"), index=index).dropna()
    years = values.groupby(values.index.year)
    within_rises = within_falls = 0
    for _, year in years:
        steps = np.diff(year.sort_index().to_numpy())
        within_rises += int((steps > 0).sum())
        within_falls += int((steps < 0).sum())
    resets = 0
    boundaries = 0
    for year in sorted(values.index.year.unique())[1:]:
        dec, jan = pd.Period(f"{year - 1}-12", "M"), pd.Period(f"{year}-01", "M")
        if dec in values.index and jan in values.index:
            boundaries += 1
            resets += int(values[jan] < values[dec] / 2)
    if within_falls > 0:
        return "monthly"
    if within_rises >= 6 and boundaries >= 1 and resets == boundaries:
        return "cumulative"
    raise UnitsError(
        f"{name}: cannot tell whether values are monthly or January-to-month cumulative "
        f"({within_rises} rises, no fall within a year, {boundaries} year boundaries); "
        "state it with kind='monthly' or kind='cumulative'"
    )


def decumulate(series: pd.Series, *, name: str = "series") -> pd.Series:
    """Turn January-to-month cumulative values into monthly values.

    January stays as it is; every later month is the difference with the month before
    within the same year. A month missing inside a year makes the next one unknowable:
    it is NaN, never a two-month sum presented as one month.

    Raises
    ------
    UnitsError
        If a cumulative value falls within a year (a revision or a mislabelled series).

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.period_range("2022-01", "2022-04", freq="M")
    >>> decumulate(pd.Series([10.0, 25.0, 31.0, 50.0], index=idx)).tolist()
    [10.0, 15.0, 6.0, 19.0]
    """
    index = _month_index(series)
    values = pd.Series(series.to_numpy(dtype="float64"), index=index).sort_index()
    previous = pd.Series(values.to_numpy(), index=values.index + 1)
    prior = previous.reindex(values.index)
    out = values - prior
    january = values.index.month == 1
    out[january] = values[january]
    falls = out < 0
    if falls.any():
        months = [str(p) for p in values.index[falls.to_numpy()][:5]]
        raise UnitsError(
            f"{name}: cumulative values fall in {months}; the series is not January-to-month "
            "cumulative, or mixes releases: check it with detect_cumulative"
        )
    return out.rename(series.name)


def cumulate(series: pd.Series) -> pd.Series:
    """Turn monthly values into January-to-month cumulative totals (NaN after a gap).

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.period_range("2022-01", "2022-04", freq="M")
    >>> cumulate(pd.Series([10.0, 15.0, 6.0, 19.0], index=idx)).tolist()
    [10.0, 25.0, 31.0, 50.0]
    """
    index = _month_index(series)
    values = pd.Series(series.to_numpy(dtype="float64"), index=index).sort_index()
    full = pd.period_range(
        pd.Period(f"{values.index.min().year}-01", "M"), values.index.max(), freq="M"
    )
    dense = values.reindex(full)
    out = dense.groupby(dense.index.year).transform(lambda s: s.cumsum(skipna=False))
    return out.reindex(values.index).rename(series.name)


# --------------------------------------------------------------------------- checks


def find_duplicates(frame: pd.DataFrame, *, key: Iterable[str] | None = None) -> pd.DataFrame:
    """Return every row whose key is shared with another row (a new frame, sorted).

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": 2021, "reporter": "KAZ", "partner": "MNG",
    ...                 "flow": "export", "commodity": "TOTAL", "value_usd": 1.0,
    ...                 "source": "X"}, freq="Y")
    >>> len(find_duplicates(pd.concat([f, f])))
    2
    """
    from kztrade.schema import KEY

    key = [k for k in (key or KEY) if k in frame.columns]
    dup = frame.duplicated(subset=key, keep=False)
    return frame.loc[dup].sort_values(key).reset_index(drop=True)


def find_gaps(
    frame: pd.DataFrame,
    *,
    by: Iterable[str] = ("reporter", "partner", "flow", "commodity", "source"),
) -> pd.DataFrame:
    """List the periods missing inside each series, between its first and last period.

    Gaps are made explicit, never filled with zeros.

    Returns
    -------
    DataFrame
        Columns ``by`` plus ``period`` (one row per missing period); empty if none.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": [2019, 2021], "reporter": "KAZ", "partner": "MNG",
    ...                 "flow": "export", "commodity": "TOTAL", "value_usd": 1.0,
    ...                 "source": "X"}, freq="Y")
    >>> find_gaps(f)["period"].astype(str).tolist()
    ['2020']
    """
    by = [b for b in by if b in frame.columns]
    rows = []
    freq = frame["period"].dtype.freq
    for keys, group in frame.groupby(by, observed=True, sort=True):
        periods = pd.PeriodIndex(group["period"].unique())
        full = pd.period_range(periods.min(), periods.max(), freq=freq)
        missing = full.difference(periods)
        keys = keys if isinstance(keys, tuple) else (keys,)
        rows.extend({**dict(zip(by, keys, strict=True)), "period": p} for p in missing)
    columns = [*by, "period"]
    if not rows:
        empty = frame.loc[[], by].copy()
        empty["period"] = frame["period"].iloc[:0]
        return empty[columns].reset_index(drop=True)
    return pd.DataFrame(rows, columns=columns)

"""Filters by reporter, partner, period, flow and commodity level, shared by every source.

:func:`kztrade.read_comtrade` applies them while it reads a bulk file, so that rows a filter
drops are never loaded; :func:`select` applies the same filters, with the same accepted
values and the same messages, to a tidy frame from any reader (the national-statistics and
IMF files are read whole: they hold thousands of rows, not millions). The parsing helpers
turn what a user writes (``"kaz"``, ``2023``, ``"2023-04"``, ``"export"``) into one form,
or raise a :class:`~kztrade.errors.ParameterError` that names the filter and what it takes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from kztrade.errors import ParameterError
from kztrade.schema import TOTAL, WORLD, validate

__all__ = ["select", "parse_codes", "parse_periods", "parse_flows", "parse_level"]

#: Codes for the world as a partner: kztrade's own and UN Comtrade's.
WORLD_CODES = frozenset({WORLD, "W00"})
_FLOW_NAMES = {"export": "export", "import": "import", "x": "export", "m": "import"}


def _as_list(value) -> list:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return [value.item()]
    if isinstance(value, (str, bytes, pd.Period)) or not isinstance(value, Iterable):
        return [value]
    return list(value)


def _code_hint(item) -> str:
    """For a country name given where a code is wanted: the code, found offline."""
    if not isinstance(item, str) or len(item.strip()) <= 3:
        return ""
    from kztrade.cleaning import to_iso3
    from kztrade.errors import KztradeError

    try:
        return f"; did you mean {to_iso3([item.strip()])[0]!r}?"
    except KztradeError:
        return ""


def parse_codes(value, *, name: str) -> set[str]:
    """ISO 3166 alpha-3 codes from one code or a list; the world as both ``WLD`` and ``W00``.

    Parameters
    ----------
    value : str or iterable of str
        ``"KAZ"``, ``["CHN", "rus"]``; ``"WLD"`` (or UN Comtrade's ``"W00"``) for the world.
    name : str
        The filter's name, for the message (``"reporter"``, ``"partner"``).

    Returns
    -------
    set of str
        Upper-case codes.

    Examples
    --------
    >>> sorted(parse_codes(["chn", "WLD"], name="partner"))
    ['CHN', 'W00', 'WLD']
    >>> parse_codes("Kazakhstan", name="reporter")
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: reporter must be ... got 'Kazakhstan'; did you mean 'KAZ'?
    """
    codes = set()
    for item in _as_list(value):
        code = str(item).strip().upper() if isinstance(item, str) else None
        if code is None or not re.fullmatch(r"[A-Z]{3}|W00", code):
            raise ParameterError(
                f"{name} must be ISO 3166 alpha-3 codes (e.g. 'KAZ', 'CHN'; 'WLD' for the "
                f"world), got {item!r}{_code_hint(item)}"
            )
        codes.add(code)
    if not codes:
        raise ParameterError(f"{name} is an empty list; give at least one ISO3 code or None")
    if codes & WORLD_CODES:
        codes |= WORLD_CODES
    return codes


def parse_periods(value) -> set[str]:
    """Periods as ``YYYY`` and ``YYYYMM`` text; a year also stands for each of its months.

    Parameters
    ----------
    value : str, int, Period or iterable of them
        Years (``"2019"``, ``2019``, ``range(2015, 2020)``) or months (``"201904"``,
        ``"2019-04"``, ``pd.Period("2019-04", "M")``).

    Returns
    -------
    set of str

    Examples
    --------
    >>> sorted(parse_periods(["2019-04", 2020.0]))[:3]
    ['201904', '2020', '202001']
    >>> parse_periods(2020.5)
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: period must be years ('2019' or 2019) or months ...
    """
    out: set[str] = set()
    for item in _as_list(value):
        if isinstance(item, pd.Period):
            annual = item.freqstr.startswith(("Y", "A"))
            if not (annual or item.freqstr.startswith("M")):
                raise ParameterError(
                    f"period must be years or months; give the months of {item} (a "
                    f"{item.freqstr} period) as a list, got {item!r}"
                )
            item = item.strftime("%Y" if annual else "%Y%m")
        elif isinstance(item, (float, np.floating)) and float(item).is_integer():
            item = int(item)  # a year taken from a column of floats: 2023.0
        text = str(item).strip().replace("-", "")
        if isinstance(item, bool) or not re.fullmatch(r"\d{4}(0[1-9]|1[0-2])?", text):
            raise ParameterError(
                f"period must be years ('2019' or 2019) or months ('201904' or '2019-04'), "
                f"or lists or ranges of them, got {item!r}"
            )
        out.add(text)
        if len(text) == 4:  # a year also selects its months in a monthly file
            out.update(f"{text}{m:02d}" for m in range(1, 13))
    if not out:
        raise ParameterError("period is an empty list; give at least one period or None")
    return out


def parse_flows(value) -> set[str]:
    """Flows as ``export`` and ``import``, from those words or UN Comtrade's ``X`` and ``M``.

    Examples
    --------
    >>> sorted(parse_flows(["X", "import"]))
    ['export', 'import']
    """
    out = set()
    for item in _as_list(value):
        flow = _FLOW_NAMES.get(str(item).strip().lower()) if isinstance(item, str) else None
        if flow is None:
            raise ParameterError(
                f"flow must be 'export' or 'import' (or Comtrade's 'X' or 'M'), got {item!r}"
            )
        out.add(flow)
    if not out:
        raise ParameterError("flow is an empty list; give 'export', 'import' or None")
    return out


def parse_level(value):
    """The commodity level asked for: 2, 4 or 6 digits, or ``"TOTAL"``.

    Examples
    --------
    >>> parse_level(6)
    6
    >>> parse_level(3)
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: commodity_level must be 2, 4, 6 or 'TOTAL', got 3
    """
    ok = isinstance(value, str) and value == TOTAL
    ok = ok or (isinstance(value, (int, np.integer)) and not isinstance(value, bool))
    if value is not None and not (ok and (value == TOTAL or value in (2, 4, 6))):
        raise ParameterError(f"commodity_level must be 2, 4, 6 or 'TOTAL', got {value!r}")
    return value


def select(
    frame: pd.DataFrame,
    *,
    reporter: str | Iterable[str] | None = None,
    partner: str | Iterable[str] | None = None,
    period=None,
    flow: str | Iterable[str] | None = None,
    commodity_level: int | str | None = None,
) -> pd.DataFrame:
    """The rows of a tidy frame that pass the filters, with the filters of ``read_comtrade``.

    The same values are accepted, with the same meaning, as by
    :func:`kztrade.read_comtrade`; use it on frames from the other readers (BNS, IMF DOTS,
    tables with periods across), which read their files whole.

    Parameters
    ----------
    frame : DataFrame
        A tidy trade frame (see :mod:`kztrade.schema`); it is not changed.
    reporter, partner : str or list of str, optional
        ISO 3166 alpha-3 codes; ``"WLD"`` (or ``"W00"``) selects the world total.
    period : str, int, Period or list of them, optional
        Years or months; a year selects its months in a monthly frame.
    flow : {"export", "import", "X", "M"} or list of them, optional
    commodity_level : {2, 4, 6, "TOTAL"}, optional
        Keep only commodity codes of this many digits (or only ``TOTAL``).

    Returns
    -------
    DataFrame
        The rows that pass every filter given, in their order, with the index renumbered.
        No row passing is an empty frame, not an error: a partner with no trade in a period
        is an answer.

    Raises
    ------
    ParameterError
        For a filter value of the wrong form, naming the filter and what it accepts.

    Examples
    --------
    >>> from kztrade.datasets import load_partner_annual
    >>> f = select(load_partner_annual(), partner="MNG", period=range(2020, 2022),
    ...            flow="export")
    >>> f[["period", "source", "value_usd"]]
      period    source    value_usd
    0   2020       BNS  27433421.26
    1   2021       BNS  54688982.48
    2   2020  COMTRADE  26494621.11
    3   2021  COMTRADE  21320840.47
    4   2020  IMF-DOTS  27463402.00
    >>> select(load_partner_annual(), flow="re-export")
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: flow must be 'export' or 'import' (or Comtrade's 'X' ...
    """
    validate(frame)
    keep = np.ones(len(frame), bool)
    for column, value in (("reporter", reporter), ("partner", partner)):
        if value is not None:
            keep &= frame[column].astype(str).isin(parse_codes(value, name=column)).to_numpy()
    if period is not None:
        wanted = parse_periods(period)
        text = frame["period"].astype(str).str.replace("-", "", regex=False)
        keep &= text.isin(wanted).to_numpy()
    if flow is not None:
        keep &= frame["flow"].astype(str).isin(parse_flows(flow)).to_numpy()
    chosen = parse_level(commodity_level)
    if chosen is not None:
        codes = frame["commodity"].astype(str)
        if chosen == TOTAL:
            keep &= (codes == TOTAL).to_numpy()
        else:
            keep &= (codes.str.fullmatch(r"\d+") & (codes.str.len() == chosen)).to_numpy()
    return frame.loc[keep].reset_index(drop=True)

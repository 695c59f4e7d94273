"""Checks of notebook parameter values and output names, made before anything runs.

:mod:`kztrade.notebooks` checks that a value has its parameter's declared *type*; this
module checks what values of some parameters *mean*, the same for every notebook, so that
a scheduled batch is refused at once, naming the parameter and the fix, instead of
starting kernels:

* ``reporter`` and ``partner`` are ISO 3166 alpha-3 codes in capitals, checked against the
  code table of country_converter (a dependency, read offline). ``WLD``, the world, is
  accepted as a partner (the reporter's total trade) but not as a reporter. An empty code
  is accepted only where the notebook's own help for the parameter says what ``""`` means
  (``statement_check`` reads the partner from the statement's text).
* ``year`` and every ``*_year`` are four-digit years; ``period`` and every ``*_date`` are
  ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.
* an output name (the stem of ``<name>.html`` and ``<name>.ipynb``) is a plain file name
  that stays inside the output folder.
* values are plain literals (text, numbers, booleans, ``None``, lists and dicts of them),
  and :func:`injected_source` proves, by parsing the very cell papermill will inject, that
  every value reads back as itself: no value can become code in the notebook.

It runs no notebook (see :mod:`kztrade.reports`) and does not check values against the
bundled data (each notebook does that right after its parameters).
"""

from __future__ import annotations

import ast
import datetime as dt
import difflib
import math
import re
from collections.abc import Mapping

from kztrade.errors import ParameterError

__all__ = [
    "AGGREGATES",
    "CODE_PARAMETERS",
    "iso3_codes",
    "check_code",
    "check_year",
    "check_period",
    "check_output_name",
    "check_literal",
    "check_values",
    "injected_source",
]

#: Codes that stand for an aggregate rather than a country, and what each means.
AGGREGATES: dict[str, str] = {"WLD": "the world (the reporter's total trade)"}
#: Parameters whose values are country codes, and whether an aggregate is accepted.
CODE_PARAMETERS: dict[str, bool] = {"reporter": False, "partner": True}

# ASCII only and matched in full: "\d" would take Arabic-Indic and other Unicode digits, and
# "$" a trailing newline, into a value that is then written into a notebook.
_YEAR = re.compile(r"(?:year|.+_year)", re.ASCII)
_PERIOD = re.compile(r"(?:period|.+_date)", re.ASCII)
_PERIOD_TEXT = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?", re.ASCII)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,149}", re.ASCII)
# Windows reserves these names, with any extension, in every folder
_RESERVED = re.compile(r"(?:con|prn|aux|nul|com[0-9]|lpt[0-9])(?:\..*)?", re.IGNORECASE | re.ASCII)
# names the report folder itself uses
_OWN = {"index", "manifest"}


def iso3_codes() -> frozenset[str]:
    """The ISO 3166 alpha-3 codes of countries and territories (country_converter's table).

    Examples
    --------
    >>> codes = iso3_codes()
    >>> "MNG" in codes, "KAZ" in codes, "WLD" in codes, "XXA" in codes
    (True, True, False, False)
    """
    from kztrade.notebooks import _country_names

    return frozenset(code for code in _country_names() if re.fullmatch(r"[A-Z]{3}", code, re.ASCII))


def check_code(name: str, value, *, aggregate: bool = False, empty: bool = False) -> str:
    """Check that a parameter is an ISO 3166 alpha-3 code of a country.

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value : str
        The value given.
    aggregate : bool, default False
        Accept the aggregates of :data:`AGGREGATES` (``WLD``) too.
    empty : bool, default False
        Accept ``""`` (the notebook decides what it means).

    Returns
    -------
    str
        ``value``.

    Raises
    ------
    ParameterError
        Naming the parameter, the value, and a code to use instead.

    Examples
    --------
    >>> check_code("partner", "MNG")
    'MNG'
    >>> check_code("partner", "mng")
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: parameter 'partner' must be an ISO 3166 alpha-3 code in capitals, got 'mng'; did you mean 'MNG'?
    >>> check_code("reporter", "WLD")
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: parameter 'reporter' is 'WLD', the world (the reporter's total trade), which is an aggregate, not a country; give a country's code such as 'KAZ'
    >>> check_code("partner", "EUN")
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: parameter 'partner' must be an ISO 3166 alpha-3 code in capitals, got 'EUN'; it is not in the ISO 3166 table; ... are not supported as a notebook's partner: give one country's code, e.g. partner='DEU' for Germany
    """  # noqa: E501
    if not isinstance(value, str):
        raise ParameterError(
            f"parameter {name!r} must be an ISO 3166 alpha-3 code such as 'MNG' (text), "
            f"got {value!r} ({type(value).__name__})"
        )
    if value == "" and empty:
        return value
    if value in AGGREGATES:
        if aggregate:
            return value
        raise ParameterError(
            f"parameter {name!r} is {value!r}, {AGGREGATES[value]}, which is an aggregate, "
            "not a country; give a country's code such as 'KAZ'"
        )
    codes = iso3_codes()
    if value in codes:
        return value
    shown = value if len(value) <= 40 else value[:37] + "..."
    if value.upper() in codes or (aggregate and value.upper() in AGGREGATES):
        hint = f"did you mean {value.upper()!r}?"
    elif re.fullmatch(r"[A-Z]{3}", value, re.ASCII):
        # Trade databases also use codes for groups and for what is not one country (WITS
        # writes EUN for the European Union); a notebook analyses one country's trade.
        hint = (
            "it is not in the ISO 3166 table; find a country's code with country_converter, "
            "e.g. coco.convert('Mongolia', to='ISO3'). Groups (such as 'EUN', the EU in "
            "WITS) and other codes that are not one country are not supported as a "
            f"notebook's {name}: give one country's code, e.g. {name}='DEU' for Germany"
        )
    else:
        hint = "give three capital letters such as 'MNG', 'CHN' or 'RUS'"
    extra = " or 'WLD' for the world" if aggregate else ""
    raise ParameterError(
        f"parameter {name!r} must be an ISO 3166 alpha-3 code in capitals{extra}, "
        f"got {shown!r}; {hint}"
    )


def check_year(name: str, value) -> int:
    """Check that a parameter is a four-digit year (an integer from 1900 to 2100).

    Examples
    --------
    >>> check_year("first_year", 2015)
    2015
    >>> check_year("first_year", 15)
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: parameter 'first_year' must be a year from 1900 to 2100 such as 2015, got 15
    """  # noqa: E501
    if value is None:
        return value
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2100:
        raise ParameterError(
            f"parameter {name!r} must be a year from 1900 to 2100 such as 2015, got {value!r}"
        )
    return value


def check_period(name: str, value) -> str:
    """Check that a parameter is a period written ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

    Digits are ASCII ``0``-``9`` only, and nothing may follow the period (not even a line
    end): the value is written into a notebook as it is.

    Examples
    --------
    >>> check_period("statement_date", "2022-05")
    '2022-05'
    >>> check_period("statement_date", "05/2022")
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: parameter 'statement_date' must be a period written YYYY, YYYY-MM or YYYY-MM-DD such as '2022-05', got '05/2022'
    """  # noqa: E501
    if value is None or value == "":
        return value
    match = _PERIOD_TEXT.fullmatch(value) if isinstance(value, str) else None
    ok = match is not None and 1900 <= int(match.group(1)) <= 2100
    if ok and match.group(2):
        ok = 1 <= int(match.group(2)) <= 12
    if ok and match.group(3):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            ok = False
    if not ok:
        raise ParameterError(
            f"parameter {name!r} must be a period written YYYY, YYYY-MM or YYYY-MM-DD such "
            f"as '2022-05', got {value!r}"
        )
    return value


def check_output_name(name) -> str:
    """Check that an output name is a plain file name that stays in the output folder.

    The name is the stem of ``<name>.html`` and ``<name>.ipynb``: letters, digits, ``.``,
    ``_`` and ``-``, starting with a letter or digit, at most 150 characters; not a name
    Windows reserves (``CON``, ``NUL``, ``COM1``, ...) nor one of the report folder's own
    (``index``, ``manifest``).

    Examples
    --------
    >>> check_output_name("trade_overview_MNG")
    'trade_overview_MNG'
    >>> check_output_name("../../etc/cron.d/x")
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: output name '../../etc/cron.d/x' would not be a plain file ...
    """
    if not isinstance(name, str):
        raise ParameterError(f"output name must be text, got {name!r} ({type(name).__name__})")
    problem = None
    if "\x00" in name:
        problem = "it contains a NUL character"
    elif "/" in name or "\\" in name:
        problem = "it contains a path separator"
    elif name in ("", ".", ".."):
        problem = "it is empty or a folder reference"
    elif not _NAME.fullmatch(name):
        problem = "use letters, digits, '.', '_' and '-', starting with a letter or digit"
    elif _RESERVED.fullmatch(name):
        problem = "Windows reserves this name"
    elif name.lower() in _OWN:
        problem = "the report folder uses this name for itself"
    if problem:
        raise ParameterError(
            f"output name {name!r} would not be a plain file in the output folder: {problem}; "
            "rename the notebook file or choose another partner code"
        )
    return name


def check_literal(name: str, value, *, _depth: int = 0):
    """Check that a value is a plain literal papermill can write and Python reads back.

    Text, integers, finite numbers, booleans, ``None``, and lists and dicts (with text
    keys) of them; nothing else (no objects whose text could be anything).

    Examples
    --------
    >>> check_literal("labels", ["a", 1, 2.5, None, {"k": True}])
    ['a', 1, 2.5, None, {'k': True}]
    >>> check_literal("scale", float("nan"))
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: parameter 'scale' must be a finite number, got nan
    """
    if _depth > 20:
        raise ParameterError(f"parameter {name!r} is nested too deeply; give a flatter value")
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        if not math.isfinite(value):
            raise ParameterError(f"parameter {name!r} must be a finite number, got {value!r}")
        return value
    if type(value) is list:
        return [check_literal(name, v, _depth=_depth + 1) for v in value]
    if type(value) is dict:
        for key in value:
            if type(key) is not str:
                raise ParameterError(
                    f"parameter {name!r}: dict keys must be text, got {key!r}; quote the key"
                )
        return {k: check_literal(name, v, _depth=_depth + 1) for k, v in value.items()}
    raise ParameterError(
        f"parameter {name!r} must be text, a number, true/false, None, or a list or dict of "
        f"them, got a {type(value).__name__}; convert it to one of those first"
    )


def unknown_parameter(name: str, known) -> str:
    """The problem of a parameter name a notebook does not declare, with the closest one.

    Examples
    --------
    >>> unknown_parameter("partnr", ["partner", "first_year"])
    "unknown parameter 'partnr' (did you mean 'partner'?)"
    """
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown parameter {name!r}{hint}"


def check_values(declared: Mapping, values: Mapping[str, object], *, notebook: str) -> dict:
    """Check parameter values, as a batch will inject them, before anything runs.

    Parameters
    ----------
    declared : mapping of str to kztrade.notebooks.Parameter
        What the notebook declares (:func:`kztrade.notebooks.read_parameters`).
    values : mapping of str to object
        The values to inject, already of their declared types
        (:func:`kztrade.notebooks.bind_parameters`).
    notebook : str
        The notebook's name, for messages.

    Returns
    -------
    dict
        ``values``, unchanged.

    Raises
    ------
    ParameterError
        Naming every problem at once: unknown names (with the known ones), codes, years,
        periods, values that are not plain literals.

    Examples
    --------
    >>> from kztrade.notebooks import Parameter
    >>> declared = {"partner": Parameter("partner", "str", "MNG", "partner, ISO3"),
    ...             "first_year": Parameter("first_year", "int", 2015, "first year")}
    >>> check_values(declared, {"partner": "CHN", "first_year": 2010}, notebook="demo")
    {'partner': 'CHN', 'first_year': 2010}
    >>> check_values(declared, {"partner": "XXA", "year": 2010}, notebook="demo")
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: demo: parameter 'partner' must be an ISO 3166 alpha-3 code ...; unknown parameter 'year'; its parameters are: partner, first_year
    """  # noqa: E501
    problems = []
    for name, value in values.items():
        parameter = declared.get(name)
        if parameter is None:
            problems.append(unknown_parameter(name, declared))
            continue
        try:
            check_literal(name, value)
            if name in CODE_PARAMETERS:
                check_code(
                    name,
                    value,
                    aggregate=CODE_PARAMETERS[name],
                    empty='""' in (parameter.help or ""),
                )
            elif _YEAR.fullmatch(name):
                check_year(name, value)
            elif _PERIOD.fullmatch(name):
                check_period(name, value)
        except ParameterError as exc:
            problems.append(str(exc))
    if problems:
        known = ", ".join(declared) or "none"
        raise ParameterError(
            f"{notebook}: " + "; ".join(problems) + f"; its parameters are: {known}"
        )
    return dict(values)


def injected_source(values: Mapping[str, object], *, notebook: str = "notebook") -> str:
    r"""The cell papermill will inject for ``values``, checked to hold nothing but them.

    The cell is made by papermill's own Python translator; it is then parsed, and every
    statement must be an assignment of one declared name to a literal that reads back
    (:func:`ast.literal_eval`) as exactly the value given. A value cannot run as code.

    Parameters
    ----------
    values : mapping of str to object
        The parameter values to inject.
    notebook : str, default "notebook"
        For messages.

    Returns
    -------
    str
        The source of the injected cell.

    Raises
    ------
    ParameterError
        If a value is not a plain literal, or the injected cell would hold anything but
        the assignments of the values given.

    Examples
    --------
    >>> print(injected_source({"partner": "x'); import os #", "note": "a\nb"}))
    # Parameters
    partner = "x'); import os #"
    note = "a\nb"
    <BLANKLINE>
    """
    from papermill.translators import PythonTranslator

    for name, value in values.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ParameterError(
                f"{notebook}: parameter name {name!r} is not a Python name; "
                "use the names 'kztrade params' lists"
            )
        check_literal(name, value)
    source = PythonTranslator.codify(dict(values))
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(
            f"{notebook}: the parameters would not be valid Python (line {exc.lineno}); "
            "give plain text, numbers, true/false or lists"
        ) from None
    assigned = {}
    for node in tree.body:
        ok = (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id in values
            and node.targets[0].id not in assigned
        )
        if ok:
            try:
                assigned[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                ok = False
        if not ok:
            raise ParameterError(
                f"{notebook}: the injected parameters would run more than assignments "
                f"(line {getattr(node, 'lineno', '?')}); give plain values"
            )
    for name, value in values.items():
        if name not in assigned or not _same(assigned[name], value):
            raise ParameterError(
                f"{notebook}: parameter {name!r} would not reach the notebook as given "
                f"({value!r}); give plain text, numbers, true/false or lists"
            )
    return source


def _same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b

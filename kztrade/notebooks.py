"""kztrade's notebooks: finding them, their typed parameters, and the helpers they call.

A kztrade notebook declares its parameters in one cell tagged ``parameters``, one plain
literal per line with a comment that explains it::

    partner = "MNG"  # partner country, ISO 3166 alpha-3 code
    first_year = 2015  # first year shown

papermill reads that cell too (``papermill.inspect_notebook``). This module adds what
papermill leaves out: a type for every parameter (from an annotation such as
``top: int = 10``, a ``# type: int`` comment, or else the default's own type), conversion
of command-line text to that type, and errors for unknown names and wrong types.

The second half holds what the notebooks call so that no cell defines a function: checks
of parameter values against the bundled data (``check_trade_overview`` ...), selection
and reshaping (:func:`select`, :func:`annual`, :func:`spliced_series`), labels and
captions, tables laid out for reading, a mirror chart with its caption (:func:`mirror_chart`),
and highlights whose every number is computed (:class:`Highlights`).

It does not execute notebooks (see :mod:`kztrade.reports`) and computes no trade measure
of its own: growth, shares, concentration, mirror gaps and forecasts come from
:mod:`kztrade.growth`, :mod:`kztrade.mirror` and :mod:`kztrade.forecast`.
"""

from __future__ import annotations

import ast
import difflib
import functools
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kztrade.errors import ParameterError
from kztrade.params import unknown_parameter

# The charts the notebooks draw live in kztrade.plotting; the names stay importable here.
from kztrade.plotting import (
    _auto_units,
    plot_concentration,
    plot_contributions,
    plot_projection,
    plot_structure,
    usd_axis,
)

__all__ = [
    "Parameter",
    "notebook_dir",
    "available_notebooks",
    "find_notebook",
    "read_parameters",
    "bind_parameters",
    "parse_value",
    "check_value",
    "SOURCE_NAMES",
    "HS_CHAPTERS",
    "check_trade_overview",
    "check_commodity_structure",
    "check_turnover_forecast",
    "select",
    "annual",
    "to_series",
    "spliced_series",
    "forecast_series",
    "measure_name",
    "country_name",
    "chapter_name",
    "describe_sources",
    "span",
    "usd_axis",
    "coverage_note",
    "caption",
    "growth_table",
    "mirror_table",
    "structure_table",
    "backtest_table",
    "forecast_table",
    "claims_table",
    "verdicts_table",
    "checks_table",
    "Highlights",
    "overview_highlights",
    "structure_highlights",
    "explain_forecast",
    "projection_highlights",
    "mirror_chart",
    "explain_mirror",
    "plot_structure",
    "plot_concentration",
    "plot_contributions",
    "plot_projection",
]

_HERE = Path(__file__).resolve().parent

_SCALARS = ("str", "int", "float", "bool")
_TYPE_WORDS = {
    "str": "text (str)",
    "int": "an integer (int)",
    "float": "a number (float)",
    "bool": "true or false (bool)",
    "list": "a list",
    "list[str]": "a list of text values",
    "list[int]": "a list of integers",
    "list[float]": "a list of numbers",
    "list[bool]": "a list of true/false values",
    "dict": "a mapping (dict)",
}
_OPTIONAL = re.compile(
    r"^(?:Optional\[(?P<inner>.+)\]|(?P<left>.+?)\s*\|\s*None|None\s*\|\s*(?P<right>.+))$"
)
_LIST = re.compile(r"^(?:list|List)(?:\[(?P<item>\w+)\])?$")
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


@dataclass(frozen=True)
class Parameter:
    """One parameter of a notebook, as declared in its ``parameters`` cell.

    Attributes
    ----------
    name : str
        The variable's name.
    type : str
        ``"str"``, ``"int"``, ``"float"``, ``"bool"``, ``"list"``, ``"list[str]"`` (or of
        another scalar), ``"dict"``, or ``"any"`` when nothing tells the type; with a
        ``" | None"`` suffix when ``None`` is allowed too.
    default : object
        The default value (the literal of the ``parameters`` cell).
    help : str
        The comment that explains it.
    """

    name: str
    type: str
    default: object
    help: str

    @property
    def optional(self) -> bool:
        """Whether ``None`` is an accepted value."""
        return self.type.endswith(" | None") or self.type == "any"

    @property
    def base_type(self) -> str:
        """The type without the ``" | None"`` suffix."""
        return self.type.removesuffix(" | None")


def notebook_dir() -> Path:
    """Return the folder of kztrade's own notebooks.

    In an installed wheel the notebooks are packaged as ``kztrade/_notebooks``; in a
    source checkout they are the project's top-level ``notebooks/``.

    Returns
    -------
    Path
        The folder (it exists).

    Examples
    --------
    >>> notebook_dir().name in ("notebooks", "_notebooks")
    True
    """
    for candidate in (_HERE / "_notebooks", _HERE.parent / "notebooks"):
        if candidate.is_dir():
            return candidate
    raise ParameterError(
        f"kztrade's notebooks were not found next to {_HERE} (looked for _notebooks/ and "
        "../notebooks/); reinstall kztrade, or pass the path of a notebook file"
    )


def available_notebooks() -> list[str]:
    """List the names of kztrade's own notebooks (file names without ``.ipynb``).

    Examples
    --------
    >>> names = available_notebooks()
    >>> all(not name.endswith(".ipynb") for name in names)
    True
    """
    return sorted(
        p.stem
        for p in notebook_dir().glob("*.ipynb")
        if not p.name.startswith(".") and ".ipynb_checkpoints" not in p.parts
    )


def find_notebook(notebook: str | Path) -> Path:
    """Resolve a notebook given by name (``"trade_overview"``) or by path.

    Parameters
    ----------
    notebook : str or Path
        The name of one of kztrade's notebooks, with or without ``.ipynb``, or the path of
        any notebook file.

    Returns
    -------
    Path
        The notebook file, resolved.

    Raises
    ------
    ParameterError
        If there is no such notebook; the message lists the available ones.

    Examples
    --------
    >>> find_notebook("no_such_notebook")
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: no notebook 'no_such_notebook': ...
    """
    path = Path(notebook).expanduser()
    if path.suffix == ".ipynb" and path.is_file():
        return path.resolve()
    name = path.name.removesuffix(".ipynb")
    if path.parent == Path(".") or str(path.parent) == "":
        candidate = notebook_dir() / f"{name}.ipynb"
        if candidate.is_file():
            return candidate
    names = available_notebooks()
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ParameterError(
        f"no notebook {str(notebook)!r}: {hint}give the path of an .ipynb file or one of "
        f"kztrade's notebooks: {', '.join(names) or '(none found)'}"
    )


def _parameters_cell(nb):
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell
    return None


def _check_papermill_reads_all(source: str, names: set[str], path: Path) -> None:
    """Refuse assignments papermill's parser skips (it would not see those parameters)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(
            f"{path.name}: the parameters cell is not valid Python (line {exc.lineno}: {exc.msg})"
        ) from None
    lines = source.splitlines()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for target in targets:
            if isinstance(target, ast.Name) and target.id not in names:
                raise ParameterError(
                    f"{path.name}: papermill cannot read parameter {target.id!r} on line "
                    f"{node.lineno} ({lines[node.lineno - 1].strip()!r}); write one "
                    "assignment per line and no '=' in its comment"
                )


def _normalise_type(annotation: str) -> str | None:
    text = annotation.strip().strip("'\"").replace("typing.", "")
    if not text or text == "None":
        return None
    if text == "NoneType":
        return "any"
    match = _OPTIONAL.match(text)
    if match:
        inner = match.group("inner") or match.group("left") or match.group("right")
        base = _normalise_type(inner)
        return "any" if base in (None, "any") else f"{base} | None"
    if text in _SCALARS or text == "dict":
        return text
    match = _LIST.match(text)
    if match:
        item = match.group("item")
        return f"list[{item}]" if item in _SCALARS else "list"
    return "any"


def _type_of(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, (list, tuple)):
        kinds = {_type_of(v) for v in value}
        if len(kinds) == 1 and (kind := kinds.pop()) in _SCALARS:
            return f"list[{kind}]"
        return "list"
    if isinstance(value, dict):
        return "dict"
    return "any"


def read_parameters(notebook: str | Path) -> dict[str, Parameter]:
    r"""Read the parameters a notebook declares, with types, defaults and help.

    The ``parameters`` cell is read with papermill's own parser, so that this agrees with
    ``papermill.inspect_notebook``; defaults are then evaluated as Python literals.

    Parameters
    ----------
    notebook : str or Path
        A notebook name or path (see :func:`find_notebook`).

    Returns
    -------
    dict of str to Parameter
        In the order of the ``parameters`` cell; empty if the notebook has none.

    Raises
    ------
    ParameterError
        If a default is not a plain literal (a number, text, ``True``/``False``, ``None``,
        or a list or dict of them).

    Examples
    --------
    >>> import nbformat, tempfile, os
    >>> cell = nbformat.v4.new_code_cell(
    ...     'partner = "MNG"  # partner country, ISO3\ntop: int = 10  # chapters shown')
    >>> cell.metadata["tags"] = ["parameters"]
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "example.ipynb")
    >>> nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    >>> for p in read_parameters(path).values():
    ...     print(p.name, p.type, repr(p.default), "-", p.help)
    partner str 'MNG' - partner country, ISO3
    top int 10 - chapters shown
    """
    import nbformat
    from papermill.translators import PythonTranslator

    path = find_notebook(notebook)
    nb = nbformat.read(path, as_version=4)
    cell = _parameters_cell(nb)
    if cell is None:
        return {}
    declared: dict[str, Parameter] = {}
    found_all = PythonTranslator.inspect(cell)
    _check_papermill_reads_all(cell.source, {p.name for p in found_all}, path)
    for found in found_all:
        text = found.default
        try:
            default = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise ParameterError(
                f"{path.name}: the default of parameter {found.name!r} is {text!r}, which is "
                "not a plain literal; write a number, text, True/False, None or a list of them"
            ) from None
        kind = _normalise_type(found.inferred_type_name) or _type_of(default)
        if default is None and kind != "any" and not kind.endswith(" | None"):
            kind = f"{kind} | None"
        declared[found.name] = Parameter(found.name, kind, default, found.help)
    return declared


def _describe(kind: str) -> str:
    base = kind.removesuffix(" | None")
    words = _TYPE_WORDS.get(base, "any literal")
    return f"{words} or None" if kind.endswith(" | None") else words


def _scalar_from_text(kind: str, text: str):
    if kind == "str":
        return text
    if kind == "int":
        return int(text.replace("_", "")) if re.fullmatch(r"[+-]?\d[\d_]*", text) else None
    if kind == "float":
        try:
            value = float(text)
        except ValueError:
            return None
        return value
    if kind == "bool":
        low = text.lower()
        return True if low in _TRUE else False if low in _FALSE else None
    return None


def parse_value(parameter: Parameter, text: str):
    """Convert command-line text to a parameter's type.

    Parameters
    ----------
    parameter : Parameter
        The declared parameter.
    text : str
        The value as typed, e.g. ``"2021"``. Lists are written ``"CHN,RUS"`` or
        ``'["CHN", "RUS"]'``; booleans ``true``/``false`` (also ``yes``/``no``, ``1``/``0``);
        ``None`` (or ``null``) where the parameter allows it.

    Returns
    -------
    object
        The converted value.

    Raises
    ------
    ParameterError
        If the text is not a value of the parameter's type.

    Examples
    --------
    >>> year = Parameter("first_year", "int", 2015, "first year shown")
    >>> parse_value(year, "2010")
    2010
    >>> parse_value(year, "2010.5")
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: parameter 'first_year' must be an integer (int), got '2010.5'
    >>> parse_value(Parameter("partners", "list[str]", ["MNG"], ""), "CHN, RUS")
    ['CHN', 'RUS']
    """
    text = str(text).strip() if parameter.base_type != "str" else str(text)
    if parameter.optional and text in ("None", "none", "null"):
        return None
    kind = parameter.base_type
    value = None
    if kind in _SCALARS:
        value = _scalar_from_text(kind, text)
    elif kind.startswith("list"):
        item = kind[5:-1] if kind.startswith("list[") else "any"
        if text.startswith("["):
            try:
                items = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                items = None
        else:
            items = [part.strip() for part in text.split(",") if part.strip()] if text else []
            if item not in _SCALARS:
                item = "str"
        if isinstance(items, list):
            if item in _SCALARS:
                converted = [_scalar_from_text(item, v) if isinstance(v, str) else v for v in items]
                try:
                    value = [
                        check_value(Parameter(parameter.name, item, None, ""), v) for v in converted
                    ]
                except ParameterError:
                    value = None
            else:
                value = items
    elif kind == "dict":
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        value = value if isinstance(value, dict) else None
    else:  # "any": a Python literal if it reads as one, else the text itself
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = text
    if value is None:
        raise ParameterError(
            f"parameter {parameter.name!r} must be {_describe(parameter.type)}, got {text!r}"
        )
    return value


def check_value(parameter: Parameter, value):
    """Check a Python value against a parameter's type and return it, normalised.

    Integers are accepted where a float is expected (and returned as float); ``True`` and
    ``False`` are not accepted as numbers, nor numbers as booleans; tuples become lists.

    Parameters
    ----------
    parameter : Parameter
        The declared parameter.
    value : object
        The value to check.

    Returns
    -------
    object
        The value, normalised.

    Raises
    ------
    ParameterError
        If the value has the wrong type.

    Examples
    --------
    >>> check_value(Parameter("scale", "float", 1.0, ""), 2)
    2.0
    >>> check_value(Parameter("first_year", "int", 2015, ""), "2015")
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: parameter 'first_year' must be an integer (int), got '2015' (str)
    """
    if value is None and parameter.optional:
        return None
    kind = parameter.base_type
    ok = False
    if kind == "any":
        return value
    if kind == "str":
        ok = isinstance(value, str)
    elif kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == "float":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok:
            value = float(value)
            ok = not math.isnan(value)
    elif kind == "bool":
        ok = isinstance(value, bool)
    elif kind == "dict":
        ok = isinstance(value, Mapping)
        value = dict(value) if ok else value
    elif kind.startswith("list"):
        ok = isinstance(value, (list, tuple))
        if ok and kind.startswith("list["):
            item = Parameter(parameter.name, kind[5:-1], None, "")
            try:
                value = [check_value(item, v) for v in value]
            except ParameterError:
                ok = False
        elif ok:
            value = list(value)
    if not ok:
        raise ParameterError(
            f"parameter {parameter.name!r} must be {_describe(parameter.type)}, "
            f"got {value!r} ({type(value).__name__})"
        )
    return value


def bind_parameters(
    declared: Mapping[str, Parameter],
    values: Mapping[str, object],
    *,
    notebook: str,
    from_text: bool = False,
) -> dict[str, object]:
    """Check given parameter values against a notebook's declared parameters.

    Parameters
    ----------
    declared : mapping of str to Parameter
        What the notebook declares (:func:`read_parameters`).
    values : mapping of str to object
        The values given, by name.
    notebook : str
        The notebook's name, for error messages.
    from_text : bool, default False
        True when the values are command-line text to convert (:func:`parse_value`);
        False when they are Python values to check (:func:`check_value`).

    Returns
    -------
    dict
        The given values, converted and checked (defaults are not added).

    Raises
    ------
    ParameterError
        Naming every unknown parameter (with the closest declared name) and every value
        of the wrong type.

    Examples
    --------
    >>> declared = {"partner": Parameter("partner", "str", "MNG", "partner, ISO3"),
    ...             "first_year": Parameter("first_year", "int", 2015, "first year")}
    >>> bind_parameters(declared, {"first_year": "2010"}, notebook="demo", from_text=True)
    {'first_year': 2010}
    >>> bind_parameters(declared, {"partnr": "CHN"}, notebook="demo")
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: demo: unknown parameter 'partnr' (did you mean 'partner'?); ...
    """
    problems: list[str] = []
    bound: dict[str, object] = {}
    for name, value in values.items():
        parameter = declared.get(name)
        if parameter is None:
            problems.append(unknown_parameter(name, declared))
            continue
        try:
            if from_text:
                bound[name] = parse_value(parameter, value)
            else:
                bound[name] = check_value(parameter, value)
        except ParameterError as exc:
            problems.append(str(exc))
    if problems:
        known = ", ".join(declared) or "none"
        raise ParameterError(
            f"{notebook}: " + "; ".join(problems) + f"; its parameters are: {known} "
            f"(list them with 'kztrade params {notebook}')"
        )
    return bound


# ======================================================================================
# Helpers the notebooks call: parameter checks against the data, selection, labels,
# display tables and computed text. Each is a pure function of its inputs.
# ======================================================================================

#: Full names of the data sources, for captions and text.
SOURCE_NAMES: dict[str, str] = {
    "BNS": "Bureau of National Statistics of Kazakhstan",
    "COMTRADE": "UN Comtrade via the World Bank's WITS",
    "IMF-DOTS": "IMF Direction of Trade Statistics",
    "NSO-MN": "National Statistics Office of Mongolia",
}

#: Short English names of the HS chapters (Harmonized System, World Customs Organization).
HS_CHAPTERS: dict[str, str] = {
    "01": "Live animals",
    "02": "Meat",
    "03": "Fish and seafood",
    "04": "Dairy, eggs, honey",
    "05": "Other animal products",
    "06": "Live plants, flowers",
    "07": "Vegetables",
    "08": "Fruit and nuts",
    "09": "Coffee, tea, spices",
    "10": "Cereals",
    "11": "Milling products, malt, starch",
    "12": "Oil seeds",
    "13": "Lacs, gums, resins",
    "14": "Plaiting materials",
    "15": "Fats and oils",
    "16": "Meat and fish preparations",
    "17": "Sugar and confectionery",
    "18": "Cocoa",
    "19": "Cereal and flour preparations",
    "20": "Vegetable and fruit preparations",
    "21": "Other food preparations",
    "22": "Beverages",
    "23": "Food residues, animal feed",
    "24": "Tobacco",
    "25": "Salt, sulphur, earths, stone, cement",
    "26": "Ores, slag and ash",
    "27": "Mineral fuels, oil, gas",
    "28": "Inorganic chemicals",
    "29": "Organic chemicals",
    "30": "Pharmaceuticals",
    "31": "Fertilisers",
    "32": "Tanning and dyeing extracts, paints",
    "33": "Essential oils, cosmetics",
    "34": "Soap, waxes",
    "35": "Albumins, glues, enzymes",
    "36": "Explosives, matches",
    "37": "Photographic goods",
    "38": "Other chemical products",
    "39": "Plastics",
    "40": "Rubber",
    "41": "Hides, skins, leather",
    "42": "Leather articles",
    "43": "Furskins",
    "44": "Wood",
    "45": "Cork",
    "46": "Basketware",
    "47": "Wood pulp",
    "48": "Paper and paperboard",
    "49": "Printed matter",
    "50": "Silk",
    "51": "Wool",
    "52": "Cotton",
    "53": "Other vegetable textile fibres",
    "54": "Man-made filaments",
    "55": "Man-made staple fibres",
    "56": "Wadding, felt, cordage",
    "57": "Carpets",
    "58": "Special woven fabrics",
    "59": "Coated textile fabrics",
    "60": "Knitted fabrics",
    "61": "Knitted apparel",
    "62": "Apparel, not knitted",
    "63": "Other textile articles",
    "64": "Footwear",
    "65": "Headgear",
    "66": "Umbrellas, walking sticks",
    "67": "Feathers, artificial flowers",
    "68": "Stone, plaster, cement articles",
    "69": "Ceramic products",
    "70": "Glass",
    "71": "Precious metals and stones",
    "72": "Iron and steel",
    "73": "Iron and steel articles",
    "74": "Copper",
    "75": "Nickel",
    "76": "Aluminium",
    "78": "Lead",
    "79": "Zinc",
    "80": "Tin",
    "81": "Other base metals",
    "82": "Tools, cutlery",
    "83": "Other base-metal articles",
    "84": "Machinery, boilers, reactors",
    "85": "Electrical machinery",
    "86": "Railway vehicles",
    "87": "Vehicles (not railway)",
    "88": "Aircraft",
    "89": "Ships and boats",
    "90": "Optical and medical instruments",
    "91": "Clocks and watches",
    "92": "Musical instruments",
    "93": "Arms and ammunition",
    "94": "Furniture, bedding, lighting",
    "95": "Toys, games, sports goods",
    "96": "Other manufactured articles",
    "97": "Works of art, antiques",
    "98": "Special national codes",
    "99": "Other goods (national code)",
}

_MEASURE_LABELS = {
    "export": "Exports",
    "import": "Imports",
    "turnover": "Turnover",
    "balance": "Balance",
}
_UNITS = {"millions": (1e6, "USD m"), "billions": (1e9, "USD bn"), "thousands": (1e3, "USD k")}


# -- checks of parameter values ---------------------------------------------------------


def _check_type(name: str, value, kind: str):
    return check_value(Parameter(name, kind, None, ""), value)


def _check_code(name: str, value) -> str:
    value = _check_type(name, value, "str")
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise ParameterError(
            f"parameter {name!r} must be an ISO 3166 alpha-3 code in capitals such as 'MNG', "
            f"got {value!r}"
        )
    return value


def _check_range(name: str, value, lo, hi, kind: str = "int"):
    value = _check_type(name, value, kind)
    if not lo <= value <= hi:
        raise ParameterError(f"parameter {name!r} must be between {lo} and {hi}, got {value!r}")
    return value


def _check_choice(name: str, value, choices) -> str:
    value = _check_type(name, value, "str")
    if value not in choices:
        raise ParameterError(f"parameter {name!r} must be one of {sorted(choices)}, got {value!r}")
    return value


def _check_years(frame, first_year, last_year, *, what: str) -> None:
    _check_type("first_year", first_year, "int")
    _check_type("last_year", last_year, "int")
    if first_year > last_year:
        raise ParameterError(
            f"first_year ({first_year}) is after last_year ({last_year}); swap them"
        )
    years = frame["period"].dt.year
    if frame.empty or last_year < years.min() or first_year > years.max():
        span = "none" if frame.empty else f"{years.min()}–{years.max()}"
        raise ParameterError(
            f"{what} has no data in {first_year}–{last_year} (it covers {span}); "
            "choose first_year and last_year inside that span"
        )


def _check_reporter(reporter) -> None:
    _check_code("reporter", reporter)
    if reporter != "KAZ":
        raise ParameterError(
            f"parameter 'reporter' is {reporter!r}, but the bundled data are Kazakhstan's own "
            "statistics; use reporter = 'KAZ'"
        )


def _check_partner(trade, partner, source, first_year, last_year) -> None:
    _check_code("partner", partner)
    if partner == "KAZ":
        raise ParameterError("parameter 'partner' is 'KAZ', the reporter itself; choose another")
    rows = trade[trade["source"] == source]
    mine = rows[rows["partner"] == partner]
    if mine.empty:
        big = rows.groupby("partner")["value_usd"].sum().sort_values(ascending=False).index[:8]
        raise ParameterError(
            f"partner {partner!r} has no {source} data; partners with the most trade in "
            f"{source}: {', '.join(big)} (or choose another source)"
        )
    _check_years(mine, first_year, last_year, what=f"{source} for partner {partner!r}")


def check_trade_overview(
    trade,
    *,
    reporter,
    partner,
    first_year,
    last_year,
    source,
    ytd_month,
    cif_fob,
) -> None:
    """Check the parameters of the ``trade_overview`` notebook against the data.

    Parameters
    ----------
    trade : DataFrame
        :func:`kztrade.datasets.load_partner_annual`.
    reporter, partner, first_year, last_year, source, ytd_month, cif_fob
        The notebook's parameters.

    Raises
    ------
    ParameterError
        Naming the parameter, what is wrong and what to do.

    Examples
    --------
    >>> from kztrade.datasets import load_partner_annual
    >>> check_trade_overview(load_partner_annual(), reporter="KAZ", partner="XXA",
    ...     first_year=2015, last_year=2025, source="BNS", ytd_month=6, cif_fob=1.06)
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: partner 'XXA' has no BNS data; partners with the most ...
    """
    _check_reporter(reporter)
    _check_choice("source", source, set(trade["source"].unique()))
    _check_range("ytd_month", ytd_month, 1, 12)
    _check_range("cif_fob", cif_fob, 1.0, 1.5, kind="float")
    _check_partner(trade, partner, source, first_year, last_year)


def check_commodity_structure(commodities, *, flow, first_year, last_year, top, months) -> None:
    """Check the parameters of the ``commodity_structure`` notebook against the data.

    Parameters
    ----------
    commodities : DataFrame
        :func:`kztrade.datasets.load_commodity_monthly`.
    flow, first_year, last_year, top, months
        The notebook's parameters.

    Raises
    ------
    ParameterError
        Naming the parameter, what is wrong and what to do.

    Examples
    --------
    >>> from kztrade.datasets import load_commodity_monthly
    >>> check_commodity_structure(load_commodity_monthly(), flow="exports",
    ...     first_year=2019, last_year=2025, top=10, months=12)
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: parameter 'flow' must be one of ['export', 'import'], ...
    """
    _check_choice("flow", flow, {"export", "import"})
    _check_range("top", top, 1, 40)
    _check_range("months", months, 1, 12)
    _check_years(commodities, first_year, last_year, what="the HS-chapter data")
    if first_year == last_year:
        raise ParameterError(
            "first_year equals last_year; growth and concentration need at least two years"
        )


def check_turnover_forecast(
    trade, monthly, *, series, partner, flow, sources, horizon, year
) -> None:
    """Check the parameters of the ``turnover_forecast`` notebook against the data.

    Parameters
    ----------
    trade : DataFrame
        :func:`kztrade.datasets.load_partner_annual`.
    monthly : DataFrame
        :func:`kztrade.datasets.load_total_monthly`.
    series, partner, flow, sources, horizon, year
        The notebook's parameters.

    Raises
    ------
    ParameterError
        Naming the parameter, what is wrong and what to do.

    Examples
    --------
    >>> from kztrade.datasets import load_partner_annual, load_total_monthly
    >>> check_turnover_forecast(load_partner_annual(), load_total_monthly(),
    ...     series="partner", partner="MNG", flow="turnover", sources=["BNS"],
    ...     horizon=0, year=2026)
    Traceback (most recent call last):
    ...
    kztrade.errors.ParameterError: parameter 'horizon' must be between 1 and 24, got 0
    """
    _check_choice("series", series, {"partner", "total"})
    _check_choice("flow", flow, set(_MEASURE_LABELS))
    _check_range("horizon", horizon, 1, 24)
    sources = _check_type("sources", sources, "list[str]")
    if not sources:
        raise ParameterError("parameter 'sources' is empty; give e.g. ['COMTRADE', 'BNS']")
    for source in sources:
        _check_choice("sources", source, set(trade["source"].unique()))
    _check_code("partner", partner)
    if series == "partner":
        rows = trade[(trade["partner"] == partner) & trade["source"].isin(sources)]
        if rows.empty:
            raise ParameterError(
                f"partner {partner!r} has no data in sources {sources}; check the code or "
                "the sources"
            )
    years = monthly["period"].dt.year
    _check_range("year", year, int(years.min()) + 1, int(years.max()) + 1)


# -- selecting and reshaping -----------------------------------------------------------


def _bound(frame, value, name: str):
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return pd.Period(str(value), freq=frame["period"].dtype.freq)
    except ValueError:
        raise ParameterError(
            f"select: `{name}` must be a year or a period, got {value!r}"
        ) from None


def select(
    frame,
    *,
    reporter=None,
    partner=None,
    flow=None,
    commodity=None,
    source=None,
    first=None,
    last=None,
):
    """Keep the rows of a tidy frame that match every criterion given.

    Parameters
    ----------
    frame : DataFrame
        A tidy trade frame (not modified).
    reporter, partner, flow, commodity, source : str or list of str, optional
        Values to keep.
    first, last : int or str, optional
        First and last period kept: a year (``2015``) or a period of the frame's frequency
        (``"2021-04"``).

    Returns
    -------
    DataFrame
        The matching rows, with the frame's ``attrs``.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": [2019, 2020, 2021], "reporter": "KAZ", "partner": "MNG",
    ...                 "flow": "export", "commodity": "TOTAL", "value_usd": [1.0, 2.0, 3.0],
    ...                 "source": ["COMTRADE", "BNS", "BNS"]}, freq="Y")
    >>> select(f, source="BNS", last=2020)["value_usd"].tolist()
    [2.0]
    """
    keep = pd.Series(True, index=frame.index)
    for column, value in (
        ("reporter", reporter),
        ("partner", partner),
        ("flow", flow),
        ("commodity", commodity),
        ("source", source),
    ):
        if value is None:
            continue
        values = [value] if isinstance(value, str) else list(value)
        keep &= frame[column].isin(values)
    for value, name, above in ((first, "first", True), (last, "last", False)):
        bound = _bound(frame, value, name)
        if bound is None:
            continue
        period = frame["period"]
        left = period.dt.year if isinstance(bound, int) else period
        keep &= (left >= bound) if above else (left <= bound)
    out = frame[keep.to_numpy()].reset_index(drop=True)
    out.attrs = dict(frame.attrs)
    return out


def annual(frame, *, through: int = 12):
    """Sum a monthly tidy frame to years: January to ``through`` of each complete year.

    A year counts only if every month from January to ``through`` has rows (of the same
    reporter, flow and source); other years are left out and listed in
    ``attrs["incomplete"]``. Each commodity, partner and source is summed apart, so that
    aggregates are never added to their parts.

    Parameters
    ----------
    frame : DataFrame
        A monthly tidy trade frame.
    through : int, default 12
        The last month summed (12 = whole years, 6 = January–June).

    Returns
    -------
    DataFrame
        An annual tidy frame (``commodity_name`` kept); ``attrs`` as the input's plus
        ``months`` (e.g. ``"Jan–Jun"``) and ``incomplete``.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> months = [f"2021-{m:02d}" for m in range(1, 13)] + ["2022-01", "2022-02"]
    >>> f = make_frame({"period": months, "reporter": "KAZ", "partner": "WLD",
    ...                 "flow": "export", "commodity": "27", "value_usd": 1.0,
    ...                 "source": "BNS"}, freq="M")
    >>> a = annual(f)
    >>> a[["period", "value_usd"]].to_dict("records"), a.attrs["incomplete"]
    ([{'period': Period('2021', 'Y-DEC'), 'value_usd': 12.0}], ['2022 export BNS'])
    >>> annual(f, through=2)["value_usd"].tolist()
    [2.0, 2.0]
    """
    from kztrade.schema import frequency, make_frame

    if frequency(frame) != "M":
        raise ParameterError("annual: the frame must be monthly")
    _check_range("through", through, 1, 12)
    work = frame[frame["period"].dt.month <= through]
    work = work.assign(year=work["period"].dt.year, month=work["period"].dt.month)
    groups = ["year", "reporter", "flow", "source"]
    months_present = work.groupby(groups, observed=True)["month"].nunique()
    complete = months_present[months_present == through].reset_index()[groups]
    incomplete = months_present[months_present != through].reset_index()
    work = work.merge(complete, on=groups, how="inner")
    keys = ["year", "reporter", "partner", "flow", "commodity", "source"]
    named = "commodity_name" in work.columns
    agg = {"value_usd": ("value_usd", "sum")}
    if named:
        agg["commodity_name"] = ("commodity_name", "first")
    out = work.groupby(keys, observed=True).agg(**agg).reset_index()
    out = out.rename(columns={"year": "period"})
    result = make_frame(out, freq="Y")
    result.attrs = dict(frame.attrs)
    result.attrs["months"] = _months_label(through)
    result.attrs["incomplete"] = [
        f"{r.year} {r.flow} {r.source}" for r in incomplete.itertuples(index=False)
    ]
    return result


def _months_label(through: int) -> str:
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return "Jan–Dec" if through == 12 else f"Jan–{names[through - 1]}"


def to_series(frame, *, measure: str = "turnover"):
    """One series of a tidy frame as a pandas Series by period, for a measure.

    Parameters
    ----------
    frame : DataFrame
        A tidy frame holding one reporter, partner, commodity and source.
    measure : {"turnover", "export", "import", "balance"}, default "turnover"
        Turnover and balance are computed with :func:`kztrade.growth.turnover`.

    Returns
    -------
    Series
        Indexed by period, named after the measure; periods where the measure is not
        known (a flow missing) are left out.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": [2020, 2020, 2021, 2021], "reporter": "KAZ",
    ...                 "partner": "MNG", "flow": ["export", "import"] * 2,
    ...                 "commodity": "TOTAL", "source": "BNS",
    ...                 "value_usd": [27.4e6, 1.9e6, 54.7e6, 2.4e6]}, freq="Y")
    >>> (to_series(f) / 1e6).round(1).to_dict()
    {Period('2020', 'Y-DEC'): 29.3, Period('2021', 'Y-DEC'): 57.1}
    """
    from kztrade.growth import turnover

    _check_choice("measure", measure, set(_MEASURE_LABELS))
    keys = ["reporter", "partner", "commodity", "source"]
    several = [k for k in keys if frame[k].nunique() > 1]
    if several:
        raise ParameterError(
            f"to_series: the frame holds several {several[0]} values "
            f"{sorted(frame[several[0]].unique())[:5]}; select one first"
        )
    wide = turnover(frame, by=["period"])
    out = wide.set_index("period")[measure].dropna().sort_index()
    out.index.name = "period"
    return out.rename(measure)


def spliced_series(frame, *, partner: str, sources, measure: str = "turnover"):
    """A partner's annual series from several sources, each later source taking over.

    Kazakhstan's trade by partner exists in several sources that disagree where they
    overlap. This joins them explicitly: every source in ``sources`` replaces the earlier
    ones from its own first year on (``["COMTRADE", "BNS"]``: COMTRADE up to 2019, BNS from
    2020, as BNS's own notes recommend for recent years). Only the last run of consecutive
    years is kept, so that the series has no gaps.

    Parameters
    ----------
    frame : DataFrame
        :func:`kztrade.datasets.load_partner_annual` (or a part of it).
    partner : str
        ISO3 code.
    sources : sequence of str
        Sources, oldest first.
    measure : {"turnover", "export", "import", "balance"}, default "turnover"

    Returns
    -------
    Series
        By year; ``attrs["sources"]`` maps each source used to its ``(first, last)``
        years in the series.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": [2018, 2019, 2020, 2020, 2021], "reporter": "KAZ",
    ...                 "partner": "MNG", "flow": "export", "commodity": "TOTAL",
    ...                 "value_usd": [1.0, 2.0, 3.0, 4.0, 5.0],
    ...                 "source": ["COMTRADE"] * 3 + ["BNS"] * 2}, freq="Y")
    >>> s = spliced_series(f, partner="MNG", sources=["COMTRADE", "BNS"], measure="export")
    >>> s.tolist(), s.attrs["sources"]
    ([1.0, 2.0, 4.0, 5.0], {'COMTRADE': (2018, 2019), 'BNS': (2020, 2021)})
    """
    parts = []
    for source in sources:
        rows = select(frame, partner=partner, source=source)
        if not rows.empty:
            parts.append((source, to_series(rows, measure=measure)))
    if not parts:
        raise ParameterError(f"no data for partner {partner!r} in sources {list(sources)}")
    pieces = []
    for i, (source, values) in enumerate(parts):
        if i + 1 < len(parts) and not parts[i + 1][1].empty:
            values = values[values.index < parts[i + 1][1].index.min()]
        pieces.append(values.rename(source))
    joined = pd.concat([p for p in pieces if not p.empty]).sort_index()
    years = joined.index.year
    breaks = [i for i in range(1, len(years)) if years[i] != years[i - 1] + 1]
    if breaks:
        joined = joined.iloc[breaks[-1] :]
    used = {}
    for piece in pieces:
        kept = piece[piece.index.isin(joined.index)]
        if not kept.empty:
            used[piece.name] = (int(kept.index.year.min()), int(kept.index.year.max()))
    out = joined.rename(measure)
    out.attrs["sources"] = used
    return out


# -- labels ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    # country_converter's own table (a dependency), read without importing the package,
    # whose converter compiles hundreds of regular expressions we do not need here
    import csv
    import importlib.util

    spec = importlib.util.find_spec("country_converter")
    path = Path(spec.origin).parent / "country_data.tsv"
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["ISO3"]: row["name_short"] for row in csv.DictReader(handle, delimiter="\t")}


def measure_name(flow: str) -> str:
    """How text names a measure: ``"export"`` → ``"exports"``, ``"turnover"`` → itself.

    Examples
    --------
    >>> measure_name("import"), measure_name("turnover")
    ('imports', 'turnover')
    """
    _check_choice("flow", flow, set(_MEASURE_LABELS))
    return _MEASURE_LABELS[flow].lower()


def country_name(code: str) -> str:
    """The short English name of a country from its ISO3 code (``"MNG"`` → ``"Mongolia"``).

    ``"WLD"`` is "the world"; an unknown code is returned as it is.

    Examples
    --------
    >>> country_name("MNG"), country_name("WLD"), country_name("XXA")
    ('Mongolia', 'the world', 'XXA')
    """
    if code == "WLD":
        return "the world"
    return _country_names().get(code, code)


def chapter_name(code: str) -> str:
    """An HS chapter's code and short English name (``"27"`` → ``"27 Mineral fuels, oil, gas"``).

    Examples
    --------
    >>> chapter_name("27"), chapter_name("other")
    ('27 Mineral fuels, oil, gas', 'other')
    """
    name = HS_CHAPTERS.get(code)
    return f"{code} {name}" if name else code


def describe_sources(frame) -> str:
    """Name a frame's sources with the years each covers, for a chart caption.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": [2020, 2021], "reporter": "KAZ", "partner": "MNG",
    ...                 "flow": "export", "commodity": "TOTAL", "value_usd": 1.0,
    ...                 "source": "BNS"}, freq="Y")
    >>> describe_sources(f)
    'BNS (Bureau of National Statistics of Kazakhstan), 2020–2021'
    """
    parts = []
    for source, rows in frame.groupby("source", sort=True):
        name = SOURCE_NAMES.get(source)
        label = f"{source} ({name})" if name else str(source)
        first, last = rows["period"].min(), rows["period"].max()
        span = str(first) if first == last else f"{first}–{last}"
        parts.append(f"{label}, {span}")
    return "; ".join(parts)


def caption(ax, *, title: str, source: str, note: str | None = None):
    """Give a chart its title and, under it, its source (and a note).

    Parameters
    ----------
    ax : matplotlib Axes
        The chart.
    title : str
        The title, with what, where and when ("Kazakhstan's trade with Mongolia, 2015–2025").
    source : str
        The data source with its period, e.g. from :func:`describe_sources`.
    note : str, optional
        One more line, e.g. on units or a CIF/FOB adjustment.

    Returns
    -------
    matplotlib Axes
        ``ax``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> ax = caption(ax, title="Exports", source="BNS, 2020–2025")
    >>> ax.get_title(loc="left"), ax.texts[0].get_text()
    ('Exports', 'Source: BNS, 2020–2025.')
    >>> plt.close(fig)
    """
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    text = f"Source: {source}."
    if note:
        text += f"\n{note}"
    ax.annotate(
        text,
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(0, -30),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=8,
        color="0.35",
    )
    return ax


# -- tables for display ------------------------------------------------------------------


def _money(value: float, scale: float) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value / scale:,.2f}"


def _pct(value: float, *, signed: bool = True) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    return f"{value * 100:+.1f}%" if signed else f"{value * 100:.1f}%"


def growth_table(frame, *, units: str = "millions"):
    """Lay out :func:`kztrade.growth.yoy` or :func:`~kztrade.growth.ytd` results for reading.

    Parameters
    ----------
    frame : DataFrame
        Growth rows of one series per measure (``flow`` holds export, import, turnover,
        balance), as returned by ``yoy`` or ``ytd`` on a frame made by
        :func:`kztrade.growth.with_turnover`.
    units : {"millions", "billions", "thousands"}, default "millions"

    Returns
    -------
    DataFrame
        One row per period (labelled with its months for ``ytd`` results), columns per
        measure: its value and, except for the balance, its growth on a year earlier,
        marked "(low base)" when the base is small.

    Examples
    --------
    >>> from kztrade.growth import with_turnover, yoy
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": [2020, 2020, 2021, 2021], "reporter": "KAZ",
    ...                 "partner": "MNG", "flow": ["export", "import"] * 2,
    ...                 "commodity": "TOTAL", "source": "BNS",
    ...                 "value_usd": [27.433e6, 1.874e6, 54.689e6, 2.441e6]}, freq="Y")
    >>> growth_table(yoy(with_turnover(f)))[["Turnover, USD m", "Turnover, YoY"]]
         Turnover, USD m Turnover, YoY
    2020           29.31             –
    2021           57.13        +94.9%
    """
    scale, unit = _UNITS[units]
    frame = frame.assign(_label=frame["period"].astype(str))
    if "months" in frame.columns:
        frame["_label"] = frame["_label"] + " " + frame["months"].astype(str)
    columns: dict[str, pd.Series] = {}
    for measure, label in _MEASURE_LABELS.items():
        rows = frame[frame["flow"].astype(object) == measure].set_index("_label")
        if rows.empty:
            continue
        columns[f"{label}, {unit}"] = rows["value_usd"].map(lambda v: _money(v, scale))
        if measure != "balance":
            growth_text = rows["growth"].map(_pct)
            flagged = rows["low_base"].astype(bool) & rows["growth"].notna()
            growth_text[flagged.to_numpy()] = growth_text[flagged.to_numpy()] + " (low base)"
            columns[f"{label}, YoY"] = growth_text
    out = pd.DataFrame(columns)
    out.index.name = None
    return out


def mirror_table(frame, *, units: str = "millions"):
    """Lay out :func:`kztrade.mirror.mirror` results: both reports and the gap, by year.

    Each row names the source of each country's figure, shows both figures as reported,
    then the same figures on the exporter's FOB basis (the importer's CIF figure divided by
    the ``cif_fob`` factor, said in the header) and the gap between those two columns. The
    gap is computed from the figures as shown, so that it is their difference to the last
    digit; its share of the mean is computed from the unrounded figures.

    Parameters
    ----------
    frame : DataFrame
        :func:`kztrade.mirror.mirror` or :func:`kztrade.mirror.mirror_by_source` of one
        reporter and partner.
    units : {"millions", "billions", "thousands"}, default "millions"

    Returns
    -------
    DataFrame
        One row per year, direction and comparison, as text for reading: by direction,
        then comparison (in the order of the frame), then year. Without a CIF/FOB
        adjustment (``cif_fob=1``) the FOB-basis columns are left out and the gap is that
        of the reported figures.

    Examples
    --------
    >>> from kztrade.mirror import mirror
    >>> from kztrade.schema import make_frame
    >>> kaz = make_frame({"period": 2019, "reporter": "KAZ", "partner": "MNG",
    ...                   "flow": ["export", "import"], "commodity": "TOTAL",
    ...                   "value_usd": [58.246573e6, 1.75e6], "source": "IMF-DOTS"}, freq="Y")
    >>> mng = make_frame({"period": 2019, "reporter": "MNG", "partner": "KAZ",
    ...                   "flow": ["import", "export"], "commodity": "TOTAL",
    ...                   "value_usd": [29.108839e6, 6.23e6], "source": "IMF-DOTS"}, freq="Y")
    >>> table = mirror_table(mirror(kaz, mng, cif_fob=1.06))
    >>> table.columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['Direction', 'KAZ source', 'MNG source', 'KAZ reports, USD m', 'MNG reports, USD m',
     'KAZ, FOB basis (imports ÷ 1.06), USD m', 'MNG, FOB basis (imports ÷ 1.06), USD m',
     'Gap KAZ − MNG, FOB basis, USD m', 'Gap, % of mean', 'Note']
    >>> table.values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['KAZ→MNG', 'IMF-DOTS', 'IMF-DOTS', '58.25', '29.11', '58.25', '27.46', '30.79',
      '+71.8%', ''],
     ['MNG→KAZ', 'IMF-DOTS', 'IMF-DOTS', '1.75', '6.23', '1.65', '6.23', '-4.58',
      '-116.2%', '']]
    """
    scale, unit = _UNITS[units]
    if frame.empty:
        return pd.DataFrame()
    reporter = str(frame["reporter"].iloc[0])
    partner = str(frame["partner"].iloc[0])
    factor = float(frame["cif_fob"].iloc[0]) if "cif_fob" in frame.columns else 1.0
    order = ["direction", "period"]
    if "comparison" in frame.columns:
        # each comparison a block of years, in the order the frame gives them
        first_seen = {c: i for i, c in enumerate(pd.unique(frame["comparison"]))}
        frame = frame.assign(_comparison=frame["comparison"].map(first_seen))
        order = ["direction", "_comparison", "period"]
    rows = frame.sort_values(order, kind="stable")

    def named(values):
        return ["–" if pd.isna(v) else str(v) for v in values]

    def shown(values):
        return values.to_numpy(dtype="float64") / scale

    def text(values):
        return [_money(v, 1.0) for v in values]

    columns = {
        "Year": rows["period"].astype(str).to_numpy(),
        "Direction": rows["direction"].to_numpy(),
        f"{reporter} source": named(rows["reporter_source"]),
        f"{partner} source": named(rows["partner_source"]),
        f"{reporter} reports, {unit}": text(shown(rows["reporter_usd"])),
        f"{partner} reports, {unit}": text(shown(rows["partner_usd"])),
    }
    if factor != 1.0:
        basis = f"FOB basis (imports ÷ {factor:g})"
        left, right = shown(rows["reporter_fob_usd"]), shown(rows["partner_fob_usd"])
        columns[f"{reporter}, {basis}, {unit}"] = text(left)
        columns[f"{partner}, {basis}, {unit}"] = text(right)
        gap_label = f"Gap {reporter} − {partner}, FOB basis, {unit}"
    else:
        left, right = shown(rows["reporter_usd"]), shown(rows["partner_usd"])
        gap_label = f"Gap {reporter} − {partner}, {unit}"
    # the difference of the two columns as displayed (2 decimals), not the rounded exact
    # gap, which can differ from it in the last digit
    # rounded as the text shows them (format's rounding; np.round can differ by 0.01)
    left, right = (np.array([float(f"{v:.2f}") for v in side]) for side in (left, right))
    gap = np.round(left - right, 2) + 0.0  # + 0.0: no "-0.00"
    columns[gap_label] = text(gap)
    columns["Gap, % of mean"] = rows["discrepancy_rel"].map(_pct).to_numpy()
    columns["Note"] = rows["note"].fillna("").to_numpy()
    return pd.DataFrame(columns).set_index("Year")


def structure_table(frame, *, of: str = "commodity", units: str = "millions"):
    """Lay out :func:`kztrade.growth.top_n` results: rank, item, value and share.

    Examples
    --------
    >>> from kztrade.growth import top_n
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": 2025, "reporter": "KAZ", "partner": "WLD",
    ...                 "flow": "export", "commodity": ["27", "26", "72"],
    ...                 "value_usd": [50e9, 3e9, 4e9], "source": "BNS"}, freq="Y")
    >>> structure_table(top_n(f, n=1, of="commodity"), units="billions")
                             Chapter Value, USD bn  Share
    Rank
    1     27 Mineral fuels, oil, gas         50.00  87.7%
                  other (2 chapters)          7.00  12.3%
    """
    scale, unit = _UNITS[units]
    label = "Chapter" if of == "commodity" else of.capitalize()
    names = []
    for item, n_items in zip(frame[of], frame["n_items"], strict=True):
        if pd.isna(frame.loc[frame[of] == item, "rank"]).all():
            noun = "chapter" if of == "commodity" else "item"
            names.append(f"{item} ({int(n_items)} {noun}{'s' if n_items != 1 else ''})")
        else:
            names.append(chapter_name(item) if of == "commodity" else country_name(item))
    table = pd.DataFrame(
        {
            "Rank": frame["rank"].map(lambda r: "" if pd.isna(r) else str(int(r))).to_numpy(),
            label: names,
            f"Value, {unit}": frame["value_usd"].map(lambda v: _money(v, scale)).to_numpy(),
            "Share": frame["share"].map(lambda v: _pct(v, signed=False)).to_numpy(),
        }
    )
    return table.set_index("Rank")


def backtest_table(result):
    """Lay out a forecast's backtest: every candidate's errors and interval coverage.

    Parameters
    ----------
    result : kztrade.forecast.ForecastResult

    Returns
    -------
    DataFrame
        Sorted by MASE, best first; the chosen model marked.

    Examples
    --------
    >>> import pandas as pd
    >>> from kztrade.forecast import ForecastResult
    >>> years = pd.period_range("2026", periods=2, freq="Y")
    >>> result = ForecastResult(
    ...     mean=pd.Series([130e6, 135e6], index=years),
    ...     intervals=pd.DataFrame({"lower_80": [120e6, 118e6], "upper_80": [141e6, 152e6],
    ...                             "lower_95": [112e6, 106e6], "upper_95": [150e6, 170e6]},
    ...                            index=years),
    ...     model="ARIMA(0,1,1)", candidate="arima", transform="log", season_length=1,
    ...     levels=(80, 95), forecasts=pd.DataFrame(index=years), candidates={},
    ...     backtest=pd.DataFrame({
    ...         "candidate": ["naive", "arima", "theta"],
    ...         "model": ["naive", "ARIMA(0,1,1)", "Theta"], "mase": [4.26, 3.94, 3.95],
    ...         "smape": [64.7, 62.0, 59.6], "coverage_80": [0.67, 0.67, 0.33],
    ...         "coverage_95": [1.0, 1.0, 1.0], "origins": 3, "note": "",
    ...         "chosen": [False, True, False]}))
    >>> backtest_table(result)
                  MASE sMAPE, % 80% interval held 95% interval held Chosen Note
    Model
    ARIMA(0,1,1)  3.94     62.0               67%              100%      ✓
    Theta         3.95     59.6               33%              100%
    naive         4.26     64.7               67%              100%
    """
    table = result.backtest.sort_values("mase", kind="stable")
    out = pd.DataFrame(
        {
            "Model": table["model"],
            "MASE": table["mase"].map(lambda v: "–" if pd.isna(v) else f"{v:.2f}"),
            "sMAPE, %": table["smape"].map(lambda v: "–" if pd.isna(v) else f"{v:.1f}"),
        }
    )
    for level in result.levels:
        column = f"coverage_{level}"
        if column in table.columns:
            out[f"{level}% interval held"] = table[column].map(
                lambda v: "–" if pd.isna(v) else f"{v * 100:.0f}%"
            )
    out["Chosen"] = table["chosen"].map(lambda c: "✓" if c else "")
    out["Note"] = table["note"].fillna("")
    return out.set_index("Model")


def forecast_table(result, *, units: str = "auto"):
    """Lay out a forecast: the point forecast and its intervals, by period.

    Parameters
    ----------
    result : kztrade.forecast.ForecastResult
    units : {"auto", "thousands", "millions", "billions"}, default "auto"
        ``"auto"`` chooses from the point forecast's typical size, so that wide upper
        bounds do not push a series of millions into billions.

    Examples
    --------
    >>> import pandas as pd
    >>> from kztrade.forecast import ForecastResult
    >>> years = pd.period_range("2026", periods=2, freq="Y")
    >>> result = ForecastResult(
    ...     mean=pd.Series([130e6, 135e6], index=years),
    ...     intervals=pd.DataFrame({"lower_80": [120e6, 118e6], "upper_80": [141e6, 152e6],
    ...                             "lower_95": [112e6, 106e6], "upper_95": [150e6, 170e6]},
    ...                            index=years),
    ...     model="ARIMA(0,1,1)", candidate="arima", transform="log", season_length=1,
    ...     levels=(80, 95), forecasts=pd.DataFrame(index=years), candidates={},
    ...     backtest=pd.DataFrame({
    ...         "candidate": ["naive", "arima", "theta"],
    ...         "model": ["naive", "ARIMA(0,1,1)", "Theta"], "mase": [4.26, 3.94, 3.95],
    ...         "smape": [64.7, 62.0, 59.6], "coverage_80": [0.67, 0.67, 0.33],
    ...         "coverage_95": [1.0, 1.0, 1.0], "origins": 3, "note": "",
    ...         "chosen": [False, True, False]}))
    >>> forecast_table(result)
         Forecast, USD m 80% interval, USD m 95% interval, USD m
    2026          130.00     120.00 – 141.00     112.00 – 150.00
    2027          135.00     118.00 – 152.00     106.00 – 170.00
    """
    if units == "auto":
        units = _auto_units(result.mean)
    scale, unit = _UNITS[units]
    out = pd.DataFrame({f"Forecast, {unit}": result.mean.map(lambda v: _money(v, scale))})
    for level in result.levels:
        lower = result.intervals[f"lower_{level}"]
        upper = result.intervals[f"upper_{level}"]
        out[f"{level}% interval, {unit}"] = [
            f"{_money(lo, scale)} – {_money(hi, scale)}"
            for lo, hi in zip(lower, upper, strict=True)
        ]
    out.index = out.index.astype(str)
    return out


def _millions(value, *, digits: int = 3) -> str:
    """USD as millions with at least ``digits`` significant digits: "60.90", "0.466"."""
    if value is None or pd.isna(value) or not np.isfinite(value):
        return "–"
    millions = float(value) / 1e6
    places = math.floor(math.log10(abs(millions))) + 1 if millions else 1
    return f"{millions:,.{max(2, digits - places)}f}"


def _stated_value(value, unit, *, finer: bool = False) -> str:
    # a check's value is USD or, for a growth rate, a fraction; the bounds of what the
    # stated digits allow (``finer``) need one digit more than the stated figure
    if value is None or pd.isna(value):
        return "–"
    if unit == "fraction":
        return f"{float(value) * 100:+.{2 if finer else 1}f}%"
    return _millions(value, digits=4 if finer else 3)


def _text(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def claims_table(claims):
    """Lay out :func:`kztrade.statements.parse_statements` results for reading.

    Parameters
    ----------
    claims : DataFrame
        One row per figure read from a statement.

    Returns
    -------
    DataFrame
        One row per figure, numbered from 1: its period, measure, value in USD millions,
        stated growth on a year earlier, the words it was read from and any note or
        problem; "–" where the statement gives no such figure.

    Examples
    --------
    >>> from kztrade.statements import parse_statements
    >>> claims = parse_statements(
    ...     "In 2021 turnover with Mongolia reached 60.9 million USD (+48.1%). "
    ...     "Imports were 466 thousand USD.", reporter="KAZ", partner="MNG", date="2022-05")
    >>> table = claims_table(claims)
    >>> table.iloc[:, :4]
      Period   Measure Value, USD m Growth on a year earlier
    #
    1   2021  turnover        60.90                   +48.1%
    2   2021    import        0.466                        –
    >>> table["Read from"].tolist()
    ['60.9 million USD (+48.1%)', '466 thousand USD']
    """
    from kztrade.statements import period_label

    notes = [
        "; ".join(part for part in (_text(note), _text(problem)) if part)
        for note, problem in zip(claims["note"], claims["problem"], strict=True)
    ]
    table = pd.DataFrame(
        {
            "#": range(1, len(claims) + 1),
            "Period": [
                period_label(y, f, last)
                for y, f, last in zip(
                    claims["year"], claims["first_month"], claims["last_month"], strict=True
                )
            ],
            "Measure": claims["measure"].map(_text).to_numpy(),
            "Value, USD m": claims["value_usd"].map(_millions).to_numpy(),
            "Growth on a year earlier": claims["growth"]
            .map(lambda g: "–" if pd.isna(g) else _pct(float(g)))
            .to_numpy(),
            "Read from": claims["text"].map(_text).to_numpy(),
            "Note": notes,
        }
    )
    return table.set_index("#")


def verdicts_table(verdicts):
    """Lay out :func:`kztrade.statements.verdicts` for reading: one row per figure and source.

    Parameters
    ----------
    verdicts : DataFrame
        The result of :func:`kztrade.statements.verdicts`.

    Returns
    -------
    DataFrame
        Stated and recorded values in USD millions and growth rates in percent, "–" where
        there is none, the verdict and its reason.

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.DataFrame({"claim": [0, 0], "label": "export 2023",
    ...     "data_source": ["BNS", "IMF-DOTS"], "stated_usd": 124.3e6,
    ...     "recorded_usd": [124.2772e6, float("nan")], "stated_growth": float("nan"),
    ...     "recorded_growth": float("nan"), "verdict": ["consistent", "not checkable"],
    ...     "reason": ["BNS records 124.3 M USD", "IMF-DOTS: no 2023 figure"]})
    >>> verdicts_table(v)[["Against", "Stated, USD m", "Recorded, USD m", "Stated growth"]]
                  Against Stated, USD m Recorded, USD m Stated growth
    Figure
    export 2023       BNS        124.30          124.28             –
    export 2023  IMF-DOTS        124.30               –             –
    """
    table = pd.DataFrame(
        {
            "Figure": verdicts["label"].map(_text).to_numpy(),
            "Against": verdicts["data_source"].map(_text).to_numpy(),
            "Stated, USD m": verdicts["stated_usd"].map(_millions).to_numpy(),
            "Recorded, USD m": verdicts["recorded_usd"].map(_millions).to_numpy(),
            "Stated growth": verdicts["stated_growth"]
            .map(lambda g: _stated_value(g, "fraction"))
            .to_numpy(),
            "Recorded growth": verdicts["recorded_growth"]
            .map(lambda g: _stated_value(g, "fraction"))
            .to_numpy(),
            "Verdict": verdicts["verdict"].map(_text).to_numpy(),
            "Why": verdicts["reason"].map(_text).to_numpy(),
        }
    )
    return table.set_index("Figure")


def checks_table(checked):
    """Lay out :func:`kztrade.statements.check_statements` results, every check a row.

    Parameters
    ----------
    checked : DataFrame
        The result of :func:`kztrade.statements.check_statements`.

    Returns
    -------
    DataFrame
        Amounts in USD millions; growth rates in percent and their differences in
        percentage points ("pp"); "–" where a value is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"label": "turnover 2021", "check": ["value", "growth"],
    ...     "data_source": "BNS", "base_period": ["", "2020"], "unit": ["USD", "fraction"],
    ...     "stated": [60.9e6, 0.481], "stated_low": [60.85e6, 0.4805],
    ...     "stated_high": [60.95e6, 0.4815], "recorded": [57.13e6, 0.9494],
    ...     "difference": [3.77e6, -0.4684], "verdict": "inconsistent", "reason": ""})
    >>> checks_table(c).iloc[:, 3:7]
                  Stated, USD m or %       Stated range Recorded Difference
    Figure
    turnover 2021              60.90      60.85 – 60.95    57.13       3.77
    turnover 2021             +48.1%  +48.05% – +48.15%   +94.9%   -46.8 pp
    """
    units = checked["unit"].to_numpy()

    def values(column, *, finer=False):
        return [
            _stated_value(v, u, finer=finer) for v, u in zip(checked[column], units, strict=True)
        ]

    differences = [
        "–" if pd.isna(d) else (f"{float(d) * 100:+.1f} pp" if u == "fraction" else _millions(d))
        for d, u in zip(checked["difference"], units, strict=True)
    ]
    table = pd.DataFrame(
        {
            "Figure": checked["label"].map(_text).to_numpy(),
            "Check": checked["check"].map(_text).to_numpy(),
            "Against": checked["data_source"].map(_text).to_numpy(),
            "Base period": checked["base_period"].map(_text).to_numpy(),
            "Stated, USD m or %": values("stated"),
            "Stated range": [
                f"{lo} – {hi}" if "–" not in (lo, hi) else "–"
                for lo, hi in zip(
                    values("stated_low", finer=True), values("stated_high", finer=True), strict=True
                )
            ],
            "Recorded": values("recorded"),
            "Difference": differences,
            "Verdict": checked["verdict"].map(_text).to_numpy(),
            "Why": checked["reason"].map(_text).to_numpy(),
        }
    )
    return table.set_index("Figure")


# -- computed text -----------------------------------------------------------------------


@dataclass(frozen=True)
class Highlights:
    """A short paragraph whose every number is computed, and those numbers as key figures.

    Attributes
    ----------
    text : str
        Markdown; a notebook shows it as formatted text.
    figures : list of dict
        ``{"name", "value", "unit", "label"}`` for :func:`kztrade.reports.record_all`.
    """

    text: str
    figures: list = field(default_factory=list)

    def _repr_markdown_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def _md_text(text) -> str:
    r"""Data text (a country's or chapter's name, a source) for Markdown, shown as written.

    Markdown's own characters and HTML's ``<``, ``>`` and ``&`` are escaped, so that a
    name such as ``<b>x</b>`` or ``[x](https://…)`` shows literally instead of becoming
    markup or a link.

    Examples
    --------
    >>> _md_text("27 Mineral fuels, oil, gas")
    '27 Mineral fuels, oil, gas'
    >>> print(_md_text("<b>x</b> *y* [z](https://example.org)"))
    &lt;b&gt;x&lt;/b&gt; \*y\* \[z\](https://example.org)
    """
    text = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]{}#!|~])", r"\\\1", text)


def _usd(value: float) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    for scale, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:,.2f} {suffix} USD"
    return f"{value:,.0f} USD"


def _finite(value) -> float | None:
    value = None if value is None else float(value)
    return value if value is not None and math.isfinite(value) else None


def _figure(name, value, unit, label) -> dict:
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        value = _finite(value)
    return {"name": name, "value": value, "unit": unit, "label": label}


def _latest_both(mirror, flow: str):
    """The row of the latest year where both sides report ``flow`` (first comparison on ties)."""
    both = mirror[
        (mirror["flow"].astype(object) == flow)
        & mirror["reporter_usd"].notna()
        & mirror["partner_usd"].notna()
    ]
    if both.empty:
        return None
    return both[both["period"] == both["period"].max()].iloc[0]


def _mirror_sentences(mirror, rname: str, pname: str) -> tuple[list[str], list[dict]]:
    """The latest year both countries report the reporter's exports, and its imports if later."""
    sentences, figures = [], []
    exports = _latest_both(mirror, "export")
    imports = _latest_both(mirror, "import")
    if exports is not None:
        row = exports
        factor = float(row["cif_fob"])
        fob = f", {_usd(row['partner_fob_usd'])} at FOB prices (CIF/FOB factor {factor:g})"
        sentences.append(
            f"In {row['period']}, the latest year both report, {rname} recorded "
            f"{_usd(row['reporter_usd'])} of exports to {pname} ({row['reporter_source']}); "
            f"{pname} recorded {_usd(row['partner_usd'])} of imports from {rname} "
            f"({row['partner_source']}){fob if factor != 1 else ''}: a gap of "
            f"{_usd(row['discrepancy_usd'])}, {row['discrepancy_rel'] * 100:+.1f}% of "
            "the mean of the two."
        )
        figures.append(
            _figure(
                "mirror_gap",
                row["discrepancy_rel"] * 100,
                "% change",
                f"Mirror gap, exports {row['period']}",
            )
        )
    if imports is not None and (exports is None or imports["period"] > exports["period"]):
        # said only where the partner's figures reach further for this direction
        row = imports
        factor = float(row["cif_fob"])
        fob = f", {_usd(row['reporter_fob_usd'])} at FOB prices (CIF/FOB factor {factor:g})"
        sentences.append(
            f"For {rname}'s imports from {pname} both report up to {row['period']}: "
            f"{rname} recorded {_usd(row['reporter_usd'])} "
            f"({row['reporter_source']}){fob if factor != 1 else ''}; {pname} recorded "
            f"{_usd(row['partner_usd'])} of exports to {rname} ({row['partner_source']}): "
            f"a gap of {_usd(row['discrepancy_usd'])}, {row['discrepancy_rel'] * 100:+.1f}% "
            "of the mean of the two."
        )
        figures.append(
            _figure(
                "mirror_gap_imports",
                row["discrepancy_rel"] * 100,
                "% change",
                f"Mirror gap, imports {row['period']}",
            )
        )
    return sentences, figures


def overview_highlights(levels, *, mirror=None, ytd=None) -> Highlights:
    """The highlights of a reporter's trade with one partner, computed from the data.

    Parameters
    ----------
    levels : DataFrame
        :func:`kztrade.growth.with_turnover` of one reporter, partner and source, annual.
    mirror : DataFrame, optional
        :func:`kztrade.mirror.mirror` or :func:`kztrade.mirror.mirror_by_source` of the
        same pair: the latest year where both sides report the reporter's exports is
        quoted, and that for its imports too where it is later (a partner's own statistics
        may run further than the IMF's).
    ytd : DataFrame, optional
        :func:`kztrade.growth.ytd` of the reporter's total trade (with turnover rows): the
        latest January-to-month figure is quoted.

    Returns
    -------
    Highlights
        Figures named ``turnover``, ``turnover_growth``, ``exports``, ``imports``,
        ``balance``, ``turnover_cagr``, ``mirror_gap``, ``mirror_gap_imports``,
        ``world_turnover_ytd``,
        ``world_turnover_ytd_growth`` (those the data allow).

    Examples
    --------
    >>> from kztrade.growth import with_turnover
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": [2020, 2020, 2021, 2021], "reporter": "KAZ",
    ...                 "partner": "MNG", "flow": ["export", "import"] * 2,
    ...                 "commodity": "TOTAL", "source": "BNS",
    ...                 "value_usd": [27.433e6, 1.874e6, 54.689e6, 2.441e6]}, freq="Y")
    >>> print(overview_highlights(with_turnover(f)).text)  # doctest: +NORMALIZE_WHITESPACE
    In **2021**, Kazakhstan's trade with Mongolia came to **57.13 M USD** (BNS), **+94.9%**
    on 2020. Exports were 54.69 M USD and imports 2.44 M USD: a surplus of 52.25 M USD for
    Kazakhstan. Over 2020–2021 turnover grew by 94.9% a year on average (compound annual
    growth rate).
    """
    from kztrade.growth import cagr, yoy

    by = ("reporter", "partner", "flow", "commodity", "source")
    growth = yoy(levels, by=by)
    turnover = growth[(growth["flow"].astype(object) == "turnover") & growth["value_usd"].notna()]
    if turnover.empty:
        raise ParameterError("overview_highlights: no year has both exports and imports")
    turnover = turnover.sort_values("period")
    last = turnover.iloc[-1]
    year = last["period"]
    reporter, partner = str(last["reporter"]), str(last["partner"])
    rname, pname = _md_text(country_name(reporter)), _md_text(country_name(partner))

    def value(measure):
        row = growth[(growth["flow"].astype(object) == measure) & (growth["period"] == year)]
        return float(row["value_usd"].iloc[0]) if len(row) else float("nan")

    exports, imports, balance = value("export"), value("import"), value("balance")
    rate = _finite(last["growth"])
    sentences = [
        f"In **{year}**, {rname}'s trade with {pname} came to **{_usd(last['value_usd'])}** "
        f"({last['source']})"
        + (
            f", **{rate * 100:+.1f}%** on {last['base_period']}"
            + (" (from a low base)" if bool(last["low_base"]) else "")
            if rate is not None
            else ""
        )
        + ".",
        f"Exports were {_usd(exports)} and imports {_usd(imports)}: a "
        f"{'surplus' if balance >= 0 else 'deficit'} of {_usd(abs(balance))} for {rname}.",
    ]
    figures = [
        _figure("turnover", last["value_usd"], "USD", f"Turnover {year}"),
        _figure(
            "turnover_growth",
            None if rate is None else rate * 100,
            "% change",
            f"Turnover growth {year}",
        ),
        _figure("exports", exports, "USD", f"Exports {year}"),
        _figure("imports", imports, "USD", f"Imports {year}"),
        _figure("balance", balance, "USD", f"Balance {year}"),
    ]
    first = turnover.iloc[0]["period"]
    if first < year:
        rows = levels[levels["flow"].astype(object) == "turnover"]
        rate = _finite(cagr(rows, start=first, end=year, by=by)["cagr"].iloc[0])
        if rate is not None:
            verb = "grew" if rate >= 0 else "fell"
            sentences.append(
                f"Over {first}–{year} turnover {verb} by {abs(rate) * 100:.1f}% a year on "
                "average (compound annual growth rate)."
            )
            figures.append(
                _figure("turnover_cagr", rate * 100, "% change", f"Turnover CAGR {first}–{year}")
            )
    if mirror is not None and not mirror.empty:
        sentences_, figures_ = _mirror_sentences(mirror, rname, pname)
        sentences.extend(sentences_)
        figures.extend(figures_)
    if ytd is not None and not ytd.empty:
        rows = ytd[(ytd["flow"].astype(object) == "turnover") & ytd["value_usd"].notna()]
        if not rows.empty:
            row = rows.sort_values("period").iloc[-1]
            who = f"{_md_text(country_name(str(row['reporter'])))}'s total trade with the world"
            text = f"{who}, {row['months']} {row['period']}: {_usd(row['value_usd'])}"
            rate = _finite(row["growth"])
            if rate is not None:
                text += f", {rate * 100:+.1f}% on {row['months']} {row['base_period']}"
            sentences.append(text + f" ({row['source']}).")
            label = f"World turnover {row['months']} {row['period']}"
            figures.append(_figure("world_turnover_ytd", row["value_usd"], "USD", label))
            if rate is not None:
                figures.append(
                    _figure("world_turnover_ytd_growth", rate * 100, "% change", f"{label}, growth")
                )
    return Highlights(" ".join(sentences), figures)


def structure_highlights(top, concentration, contribution) -> Highlights:
    """The highlights of the commodity structure of one flow in one year.

    Parameters
    ----------
    top : DataFrame
        :func:`kztrade.growth.top_n` by commodity for the year.
    concentration : DataFrame
        :func:`kztrade.growth.hhi` by commodity over the years (the last one is the year).
    contribution : DataFrame
        :func:`kztrade.growth.contributions` by commodity for the year.

    Returns
    -------
    Highlights
        Figures ``total``, ``top_chapter``, ``top_share``, ``top_n_share``, ``hhi``,
        ``hhi_first``, ``growth``, ``top_contributor`` and ``top_contribution``.

    Examples
    --------
    >>> from kztrade.growth import contributions, hhi, top_n
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": [2024, 2024, 2025, 2025], "reporter": "KAZ",
    ...                 "partner": "WLD", "flow": "export", "commodity": ["27", "26"] * 2,
    ...                 "value_usd": [40e9, 10e9, 45e9, 10e9], "source": "BNS"}, freq="Y")
    >>> last = f[f.period == "2025"]
    >>> h = structure_highlights(top_n(last, n=1, of="commodity"), hhi(f, of="commodity"),
    ...                          contributions(f, component="commodity"))
    >>> print(h.text)  # doctest: +NORMALIZE_WHITESPACE
    In **2025**, Kazakhstan's exports came to **55.00 bn USD** (BNS). The largest chapter,
    27 Mineral fuels, oil, gas, made up **81.8%**; the top 1 together 81.8%. Concentration
    (HHI) was 7,025, as concentrated as 1.4 equally large chapters (6,800 in 2024). Exports
    grew by 10.0% on 2024; 27 Mineral fuels, oil, gas contributed the most: +10.0
    percentage points.
    """
    listed = top[top["rank"].notna()].sort_values("rank")
    if listed.empty:
        raise ParameterError("structure_highlights: `top` lists no chapter")
    year = listed["period"].iloc[0]
    flow = str(listed["flow"].iloc[0])
    total = float(top["value_usd"].sum())
    first = listed.iloc[0]
    who = _md_text(country_name(str(first["reporter"])))
    noun = {"export": "exports", "import": "imports"}.get(flow, flow)
    n_top = len(listed)
    top_share = float(listed["share"].sum())
    sentences = [
        f"In **{year}**, {who}'s {noun} came to **{_usd(total)}** ({_md_text(first['source'])}).",
        f"The largest chapter, {_md_text(chapter_name(first['commodity']))}, made up "
        f"**{first['share'] * 100:.1f}%**; the top {n_top} together {top_share * 100:.1f}%.",
    ]
    figures = [
        _figure("total", total, "USD", f"{noun.capitalize()} {year}"),
        _figure("top_chapter", chapter_name(first["commodity"]), None, f"Largest chapter {year}"),
        _figure("top_share", first["share"] * 100, "%", f"Largest chapter's share {year}"),
        _figure("top_n_share", top_share * 100, "%", f"Top {n_top} chapters' share {year}"),
    ]
    conc = concentration.sort_values("period")
    now = conc[conc["period"] == year]
    if len(now):
        h, eq = float(now["hhi"].iloc[0]), float(now["equivalent_number"].iloc[0])
        text = (
            f"Concentration (HHI) was {h:,.0f}, as concentrated as {eq:.1f} equally large chapters"
        )
        figures.append(_figure("hhi", h, None, f"HHI {year}"))
        start = conc.iloc[0]
        if start["period"] < year and np.isfinite(start["hhi"]):
            text += f" ({start['hhi']:,.0f} in {start['period']})"
            figures.append(_figure("hhi_first", start["hhi"], None, f"HHI {start['period']}"))
        sentences.append(text + ".")
    rows = contribution[
        (contribution["period"] == year) & contribution["contribution_pp"].notna()
    ].sort_values("contribution_pp", ascending=False, kind="stable")
    if len(rows):
        growth_pp = float(rows["total_growth_pp"].iloc[0])
        best = rows.iloc[0]
        verb = "grew" if growth_pp >= 0 else "fell"
        sentences.append(
            f"{noun.capitalize()} {verb} by {abs(growth_pp):.1f}% on {best['base_period']}; "
            f"{_md_text(chapter_name(best['commodity']))} contributed the most: "
            f"{best['contribution_pp']:+.1f} percentage points."
        )
        figures += [
            _figure("growth", growth_pp, "% change", f"{noun.capitalize()} growth {year}"),
            _figure(
                "top_contributor",
                chapter_name(best["commodity"]),
                None,
                f"Largest contribution to growth {year}",
            ),
            _figure(
                "top_contribution",
                best["contribution_pp"],
                "pp",
                f"Largest contribution {year}, percentage points",
            ),
        ]
    return Highlights(" ".join(sentences), figures)


def _members(spec: str) -> list[str]:
    """The members named in a combination's specification, e.g. ``"median(A(1,2), B)"``.

    Examples
    --------
    >>> _members("median(ETS(A,N,A), ARIMA(1,0,0)(0,1,1)[12] with drift, Theta, SNaive[12])")
    ['ETS(A,N,A)', 'ARIMA(1,0,0)(0,1,1)[12] with drift', 'Theta', 'SNaive[12]']
    """
    inner = spec[spec.index("(") + 1 : spec.rindex(")")] if "(" in spec else ""
    members, depth, start = [], 0, 0
    for i, char in enumerate(inner):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            members.append(inner[start:i].strip())
            start = i + 1
    members.append(inner[start:].strip())
    return [m for m in members if m]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _listing(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


_SINGLE_CANDIDATES = ("naive", "snaive", "drift", "ets", "arima", "theta")


def explain_forecast(result, *, what: str) -> Highlights:
    """Say how a forecast's model was chosen, and how it and the others did in the backtest.

    The model is chosen by the fixed rule of :func:`kztrade.forecast.auto_forecast`
    (``docs/forecast.md``), not by this series' backtest: the text says which branch of
    the rule applied (the median of ETS, ARIMA, Theta and the (seasonal) naive forecast;
    the guard against a broken fit; too few models for the median), then gives the
    backtest errors of the chosen model, of the naive benchmark and of the best single
    model, saying so when a single model did better on this series.

    Parameters
    ----------
    result : kztrade.forecast.ForecastResult
    what : str
        What was forecast, e.g. "Kazakhstan–Mongolia turnover".

    Returns
    -------
    Highlights
        Figures ``model``, ``mase``, ``naive_mase`` (the seasonal naive forecast's for a
        seasonal series), ``best_single_model`` and ``best_single_mase`` (the single model,
        other than the chosen one, with the lowest backtest MASE), ``forecast_first`` and
        ``forecast_last``.

    Examples
    --------
    >>> import pandas as pd
    >>> from kztrade.forecast import ForecastResult
    >>> years = pd.period_range("2026", periods=2, freq="Y")
    >>> def result_of(model, candidate, backtest):
    ...     return ForecastResult(
    ...         mean=pd.Series([130e6, 135e6], index=years),
    ...         intervals=pd.DataFrame({"lower_80": [120e6, 118e6], "upper_80": [141e6, 152e6],
    ...                                 "lower_95": [112e6, 106e6], "upper_95": [150e6, 170e6]},
    ...                                index=years),
    ...         model=model, candidate=candidate, transform="log", season_length=1,
    ...         levels=(80, 95), forecasts=pd.DataFrame(index=years), candidates={},
    ...         backtest=pd.DataFrame(backtest).assign(
    ...             coverage_80=0.67, coverage_95=1.0, origins=3, note="",
    ...             chosen=lambda t: t["candidate"] == candidate))
    >>> median = "median(ETS(A,N,N), ARIMA(0,1,1), Theta, naive)"
    >>> scores = {"candidate": ["naive", "ets", "arima", "theta", "median"],
    ...           "model": ["naive", "ETS(A,N,N)", "ARIMA(0,1,1)", "Theta", median],
    ...           "mase": [4.26, 4.26, 3.77, 3.95, 4.13]}
    >>> text = explain_forecast(result_of(median, "median", scores), what="turnover").text
    >>> print(text)  # doctest: +NORMALIZE_WHITESPACE
    The forecast of turnover for 2026–2027 is the point-wise median of the forecasts of
    ETS(A,N,N), ARIMA(0,1,1), Theta and naive, fitted on logarithms. That median is the
    fixed rule for every series, not a choice made on this one: on the monthly series of
    public forecasting competitions (tourism and M1, checked on M3) it forecast more
    accurately than picking, series by series, the model with the best backtest (see
    docs/forecast.md). Forecasting this series' own past from 3 rolling origins, it had a
    mean absolute scaled error (MASE) of 4.13, against 4.26 for the naive forecast. On this
    series' own past, ARIMA(0,1,1) scored better (3.77); with 3 origins such differences
    are weak evidence, so the rule is kept. In that backtest its 80% intervals held in 67%
    and its 95% intervals held in 100% of periods.

    When the guard rejects the median (a broken fit), or too few models could be fitted
    for it, the text says so:

    >>> scores["mase"] = [4.26, 4.26, 0.9, 3.95, 4.13]
    >>> print(explain_forecast(result_of("ARIMA(0,1,1)", "arima", scores),
    ...                        what="turnover").text)  # doctest: +NORMALIZE_WHITESPACE
    The forecast of turnover for 2026–2027 uses **ARIMA(0,1,1)**, fitted on logarithms.
    The fixed rule, the point-wise median of ETS(A,N,N), ARIMA(0,1,1), Theta and naive, was
    set aside for this series by its guard against broken fits: the median's backtest MASE
    (4.13) was more than 2.5 times that of the best candidate, so the model with the lowest
    backtest error is used. Forecasting this series' own past from 3 rolling origins, it had
    a mean absolute scaled error (MASE) of 0.90, against 4.26 for the naive forecast; the
    best other single model, Theta, had 3.95. In that backtest its 80% intervals held in 67%
    and its 95% intervals held in 100% of periods.
    >>> short = {"candidate": ["naive", "drift"], "model": ["naive", "drift"],
    ...          "mase": [1.2, 1.5]}
    >>> print(explain_forecast(result_of("naive", "naive", short),
    ...                        what="turnover").text)  # doctest: +NORMALIZE_WHITESPACE
    The forecast of turnover for 2026–2027 uses **naive**, fitted on logarithms. The fixed
    rule, the point-wise median of ETS, ARIMA, Theta and the naive forecast, needs at least
    three of them fitted and backtested, and on this series fewer could be; so the model
    with the lowest backtest error is used. Forecasting this series' own past from 3 rolling
    origins, it had a mean absolute scaled error (MASE) of 1.20; the best other single model,
    drift, had 1.50. In that backtest its 80% intervals held in 67% and its 95% intervals
    held in 100% of periods.
    """
    from kztrade.forecast import GUARD_RATIO, MEDIAN

    table = result.backtest
    chosen = table[table["chosen"]].iloc[0]
    scored = table[table["mase"].notna()]
    baseline_key = (
        "snaive"
        if result.season_length > 1 and (scored["candidate"] == "snaive").any()
        else "naive"
    )
    baseline = scored[scored["candidate"] == baseline_key]
    baseline_name = "seasonal naive forecast" if baseline_key == "snaive" else "naive forecast"
    singles = scored[
        scored["candidate"].isin(_SINGLE_CANDIDATES) & ~scored["chosen"].astype(bool)
    ].sort_values("mase", kind="stable")
    median_rows = table[table["candidate"] == MEDIAN]
    first, last = result.mean.index[0], result.mean.index[-1]
    span = str(first) if first == last else f"{first}–{last}"
    scale = "logarithms" if result.transform == "log" else "the values themselves"
    origins = int(chosen["origins"]) if "origins" in table.columns else None
    what = _md_text(what)
    model = _md_text(result.model)

    if result.candidate == MEDIAN:
        members = _listing(_md_text(m) for m in _members(result.model))
        sentences = [
            f"The forecast of {what} for {span} is the point-wise median of the forecasts "
            f"of {members}, fitted on {scale}.",
            "That median is the fixed rule for every series, not a choice made on this "
            "one: on the monthly series of public forecasting competitions (tourism and M1, "
            "checked on M3) it forecast more accurately than picking, series by series, the "
            "model with the best backtest (see docs/forecast.md).",
        ]
    else:
        sentences = [f"The forecast of {what} for {span} uses **{model}**, fitted on {scale}."]
        backtested = table["origins"] > 0 if "origins" in table.columns else table["mase"].notna()
        median_scored = bool(len(median_rows)) and bool(backtested[median_rows.index[0]])
        if median_scored:
            members = _listing(_md_text(m) for m in _members(str(median_rows["model"].iloc[0])))
            median_mase = median_rows["mase"].iloc[0]
            # MASE is undefined on a series that does not change; the guard then uses sMAPE.
            error = (
                f"backtest MASE ({median_mase:.2f})"
                if pd.notna(median_mase)
                else f"backtest sMAPE ({median_rows['smape'].iloc[0]:.2f})"
            )
            sentences.append(
                f"The fixed rule, the point-wise median of {members}, was set aside for this "
                f"series by its guard against broken fits: the median's {error} was more than "
                f"{GUARD_RATIO:g} times that of the best candidate, so the model with the "
                "lowest backtest error is used."
            )
        elif not backtested.any():
            sentences.append(
                "No model could be backtested on this series (too short), so the naive "
                "forecast, the last value carried forward, is used."
            )
        else:
            sentences.append(
                "The fixed rule, the point-wise median of ETS, ARIMA, Theta and the naive "
                "forecast, needs at least three of them fitted and backtested, and on this "
                "series fewer could be; so the model with the lowest backtest error is used."
            )

    if pd.notna(chosen["mase"]):
        text = (
            "Forecasting this series' own past"
            + (f" from {_count(origins, 'rolling origin')}" if origins else "")
            + ", it had a mean "
            f"absolute scaled error (MASE) of {chosen['mase']:.2f}"
        )
        if len(baseline) and not bool(baseline["chosen"].iloc[0]):
            text += f", against {baseline['mase'].iloc[0]:.2f} for the {baseline_name}"
        if len(singles) and singles["mase"].iloc[0] < chosen["mase"]:
            sentences.append(text + ".")
            sentences.append(
                f"On this series' own past, {_md_text(singles['model'].iloc[0])} scored "
                f"better ({singles['mase'].iloc[0]:.2f}); with "
                f"{_count(origins, 'origin') if origins else 'a few origins'} such differences "
                "are weak evidence, so the "
                "rule is kept."
                if result.candidate == MEDIAN
                else f"On this series' own past, {_md_text(singles['model'].iloc[0])} "
                f"scored better ({singles['mase'].iloc[0]:.2f})."
            )
        elif len(singles) and singles["candidate"].iloc[0] != baseline_key:
            sentences.append(
                text + f"; the best other single model, {_md_text(singles['model'].iloc[0])}, "
                f"had {singles['mase'].iloc[0]:.2f}."
            )
        else:
            sentences.append(text + ".")
        held = [
            f"{level}% intervals held in {chosen[f'coverage_{level}'] * 100:.0f}%"
            for level in result.levels
            if f"coverage_{level}" in table.columns and pd.notna(chosen[f"coverage_{level}"])
        ]
        if held:
            sentences.append("In that backtest its " + " and its ".join(held) + " of periods.")
    sentences += [f"Note: {note.rstrip('.')}." for note in result.notes]
    figures = [
        _figure("model", result.model, None, "Chosen model"),
        _figure("mase", chosen["mase"], None, "Backtest MASE"),
    ]
    if len(baseline):
        label = "Seasonal naive MASE" if baseline_key == "snaive" else "Naive MASE"
        figures.append(_figure("naive_mase", baseline["mase"].iloc[0], None, label))
    if len(singles):
        figures += [
            _figure("best_single_model", singles["model"].iloc[0], None, "Best single model"),
            _figure("best_single_mase", singles["mase"].iloc[0], None, "Best single model MASE"),
        ]
    figures += [
        _figure("forecast_first", result.mean.iloc[0], "USD", f"Forecast {first}"),
        _figure("forecast_last", result.mean.iloc[-1], "USD", f"Forecast {last}"),
    ]
    return Highlights(" ".join(sentences), figures)


def projection_highlights(projection, *, what: str) -> Highlights:
    """Say what a full-year projection from January-to-month data amounts to.

    Parameters
    ----------
    projection : kztrade.forecast.FullYearProjection
    what : str
        What was projected, e.g. "Kazakhstan's exports".

    Returns
    -------
    Highlights
        Figures ``ytd``, ``projected_total``, ``projected_lower_95``, ``projected_upper_95``
        (when there is a 95% interval) and ``ytd_share``.

    Examples
    --------
    >>> import pandas as pd
    >>> from kztrade.forecast import FullYearProjection
    >>> p = FullYearProjection(year=2024, months_observed=4,
    ...     last_observed=pd.Period("2024-04", "M"), ytd_total=20e9, total=60e9,
    ...     intervals={95: (52e9, 69e9)}, ytd_share=1 / 3, forecast=None)
    >>> print(projection_highlights(p, what="exports").text)  # doctest: +NORMALIZE_WHITESPACE
    January–April 2024: exports of **20.00 bn USD**. Projected for the whole of 2024:
    **60.00 bn USD** (95% interval 52.00 bn USD to 69.00 bn USD), with the published
    months making up 33.3% of it.
    """
    p = projection
    what = _md_text(what)
    year = p.year
    months = p.months_observed
    observed = (
        f"January–{p.last_observed.strftime('%B')} {year}" if p.last_observed is not None else ""
    )
    if months == 12:
        text = f"{what.capitalize()} in {year}: **{_usd(p.total)}** (all twelve months published)."
    else:
        text = (
            f"{observed}: {what} of **{_usd(p.ytd_total)}**. " if months else ""
        ) + f"Projected for the whole of {year}: **{_usd(p.total)}**"
        bounds = [
            f"{level}% interval {_usd(lo)} to {_usd(hi)}" for level, (lo, hi) in p.intervals.items()
        ]
        if bounds:
            text += " (" + "; ".join(bounds) + ")"
        text += (
            f", with the published months making up {p.ytd_share * 100:.1f}% of it"
            f"{f'; the rest is forecast by {p.forecast.model}' if p.forecast is not None else ''}."
        )
    figures = [
        _figure("ytd", p.ytd_total, "USD", f"{what.capitalize()}, {observed or year}"),
        _figure("projected_total", p.total, "USD", f"{what.capitalize()} {year}, projected"),
    ]
    if 95 in p.intervals:
        lo, hi = p.intervals[95]
        figures += [
            _figure("projected_lower_95", lo, "USD", f"{year} projection, 95% lower bound"),
            _figure("projected_upper_95", hi, "USD", f"{year} projection, 95% upper bound"),
        ]
    figures.append(_figure("ytd_share", p.ytd_share * 100, "%", "Published share of the year"))
    return Highlights(text, figures)


# -- charts the notebooks need beyond kztrade.plotting ------------------------------------


def span(frame) -> str:
    """The periods a frame covers, for a title: ``"2020–2025"`` (or one period).

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> f = make_frame({"period": [2020, 2025], "reporter": "KAZ", "partner": "MNG",
    ...                 "flow": "export", "commodity": "TOTAL", "value_usd": 1.0,
    ...                 "source": "BNS"}, freq="Y")
    >>> span(f)
    '2020–2025'
    """
    if frame.empty:
        return "no data"
    first, last = frame["period"].min(), frame["period"].max()
    return str(first) if first == last else f"{first}–{last}"


def coverage_note(frame) -> str:
    """Say which months each year of :func:`annual` sums, and which years it left out.

    Examples
    --------
    >>> from kztrade.schema import make_frame
    >>> months = [f"2021-{m:02d}" for m in range(1, 13)] + ["2022-01"]
    >>> f = make_frame({"period": months, "reporter": "KAZ", "partner": "WLD",
    ...                 "flow": "export", "commodity": "27", "value_usd": 1.0,
    ...                 "source": "BNS"}, freq="M")
    >>> coverage_note(annual(f))
    'Each year Jan–Dec. Left out, as not all its months are published: 2022.'
    """
    text = f"Each year {frame.attrs.get('months', 'Jan–Dec')}."
    left_out = sorted({item.split(" ")[0] for item in frame.attrs.get("incomplete", [])})
    if left_out:
        text += f" Left out, as not all its months are published: {', '.join(left_out)}."
    return text


def _sources_of(rows, column: str) -> str:
    """The sources of one side of a comparison, with their years when there are several."""
    present = rows[rows[column].notna()]
    if present.empty:
        return "none"
    names = list(pd.unique(present.sort_values("period")[column].astype(str)))
    if len(names) == 1:
        return names[0]
    return ", ".join(f"{n} {span(present[present[column] == n])}" for n in names)


def _furthest_comparisons(gaps):
    """Per direction, the rows of the comparison whose figures of both sides reach furthest.

    Returns the rows kept and, when a choice was made, one "direction: sources" label per
    direction; a frame of one comparison is returned whole.
    """
    if "comparison" not in gaps.columns or gaps["comparison"].nunique() < 2:
        return gaps, []
    kept, chosen = [], []
    for direction in sorted(gaps["direction"].unique()):
        rows = gaps[gaps["direction"] == direction]
        both = rows.dropna(subset=["reporter_usd", "partner_usd"])
        pool = both if not both.empty else rows
        latest = pool["period"].max()
        comparison = pool.loc[pool["period"] == latest, "comparison"].iloc[0]
        block = rows[rows["comparison"] == comparison]
        kept.append(block)
        chosen.append(
            f"{direction}: {_sources_of(block, 'reporter_source')} against "
            f"{_sources_of(block, 'partner_source')}"
        )
    return pd.concat(kept), chosen


def explain_mirror(gaps) -> Highlights:
    """Say which sources a mirror comparison pairs, over which years, and how far both reach.

    Parameters
    ----------
    gaps : DataFrame
        :func:`kztrade.mirror.mirror` or :func:`kztrade.mirror.mirror_by_source` of one
        reporter and partner.

    Returns
    -------
    Highlights
        Markdown: one line per direction and comparison, then the latest year both
        countries report each direction.

    Examples
    --------
    >>> from kztrade.mirror import mirror_by_source
    >>> from kztrade.schema import make_frame
    >>> kaz = make_frame({"period": [2019, 2020, 2020], "reporter": "KAZ", "partner": "MNG",
    ...                   "flow": "import", "commodity": "TOTAL",
    ...                   "value_usd": [1.75e6, 1.80e6, 1.87e6],
    ...                   "source": ["COMTRADE", "COMTRADE", "BNS"]}, freq="Y")
    >>> mng = make_frame({"period": [2019, 2020], "reporter": "MNG", "partner": "KAZ",
    ...                   "flow": "export", "commodity": "TOTAL",
    ...                   "value_usd": [6.23e6, 1.39e6], "source": "NSO-MN"}, freq="Y")
    >>> print(explain_mirror(mirror_by_source(kaz, mng)).text)  # doctest: +NORMALIZE_WHITESPACE
    Compared, one source a side (figures of different sources are never added or averaged):
    <BLANKLINE>
    - **MNG→KAZ**, 2019–2020: Kazakhstan's imports (COMTRADE 2019, BNS 2020) against
      Mongolia's exports (NSO-MN).
    <BLANKLINE>
    The latest year both report: 2020 for Kazakhstan's imports from Mongolia.
    """
    if gaps.empty:
        return Highlights("No figures of both countries in these years.")
    reporter, partner = str(gaps["reporter"].iloc[0]), str(gaps["partner"].iloc[0])
    rname, pname = _md_text(country_name(reporter)), _md_text(country_name(partner))
    comparisons = gaps["comparison"] if "comparison" in gaps.columns else None
    lines = []
    for direction in sorted(gaps["direction"].unique()):
        rows = gaps[gaps["direction"] == direction]
        keys = [None] if comparisons is None else list(pd.unique(rows["comparison"]))
        for key in keys:
            block = rows if key is None else rows[rows["comparison"] == key]
            flow = str(block["flow"].iloc[0])
            lines.append(
                f"- **{direction}**, {span(block)}: {rname}'s {measure_name(flow).lower()} "
                f"({_md_text(_sources_of(block, 'reporter_source'))}) against {pname}'s "
                f"{measure_name(_OPPOSITE_FLOW[flow]).lower()} "
                f"({_md_text(_sources_of(block, 'partner_source'))})."
            )
    latest = []
    for flow, words in (("export", "exports to"), ("import", "imports from")):
        row = _latest_both(gaps, flow)
        if row is not None:
            latest.append((row["period"], f"{row['period']} for {rname}'s {words} {pname}"))
    if len(latest) == 2 and latest[0][0] == latest[1][0]:
        latest = [(latest[0][0], f"{latest[0][0]} in both directions")]
    latest = [words for _, words in latest]
    text = (
        "Compared, one source a side (figures of different sources are never added or "
        "averaged):\n\n" + "\n".join(lines)
    )
    if latest:
        text += "\n\nThe latest year both report: " + "; ".join(latest) + "."
    else:
        text += "\n\nNo year has figures of both countries."
    return Highlights(text)


_OPPOSITE_FLOW = {"export": "import", "import": "export"}


def mirror_chart(gaps, *, ax=None):
    """Chart a mirror comparison with its title, sources and CIF/FOB note.

    Draws :func:`kztrade.plotting.plot_mirror`; when the two countries have no figures in
    common, says so on the chart instead.

    Parameters
    ----------
    gaps : DataFrame
        :func:`kztrade.mirror.mirror` of one reporter and partner.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kztrade.mirror import mirror
    >>> from kztrade.schema import make_frame
    >>> kaz = make_frame({"period": [2018, 2019], "reporter": "KAZ", "partner": "MNG",
    ...                   "flow": "export", "commodity": "TOTAL",
    ...                   "value_usd": [73.2e6, 58.2e6], "source": "IMF-DOTS"}, freq="Y")
    >>> mng = make_frame({"period": [2018, 2019], "reporter": "MNG", "partner": "KAZ",
    ...                   "flow": "import", "commodity": "TOTAL",
    ...                   "value_usd": [40.1e6, 29.1e6], "source": "IMF-DOTS"}, freq="Y")
    >>> fig, ax = plt.subplots()
    >>> mirror_chart(mirror(kaz, mng), ax=ax).get_title(loc="left")
    'Kazakhstan and Mongolia report their trade, 2018–2019'
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    from kztrade.plotting import plot_mirror

    ax = plt.gca() if ax is None else ax
    gaps, chosen = _furthest_comparisons(gaps)
    both = gaps.dropna(subset=["reporter_usd", "partner_usd"], how="all")
    if both.empty:
        ax.text(
            0.5,
            0.5,
            "No figures of both countries in these years",
            ha="center",
            va="center",
            transform=ax.transAxes,
            color="0.4",
        )
        ax.set_axis_off()
        return ax
    reporter, partner = str(both["reporter"].iloc[0]), str(both["partner"].iloc[0])
    plot_mirror(both, ax=ax)
    sources = sorted(
        {str(s) for s in both["reporter_source"].dropna()}
        | {str(s) for s in both["partner_source"].dropna()}
    )
    named = "; ".join(f"{s} ({SOURCE_NAMES[s]})" if s in SOURCE_NAMES else s for s in sources)
    factor = float(both["cif_fob"].iloc[0])
    note = (
        f"Imports are recorded CIF, exports FOB; imports divided by {factor:g} to compare."
        if factor != 1
        else "Imports are recorded CIF, exports FOB; not adjusted."
    )
    if chosen:
        note += (
            "\nDrawn per direction, the sources that reach furthest: "
            + "; ".join(chosen)
            + ".\nThe table lists every comparison."
        )
    caption(
        ax,
        title=f"{country_name(reporter)} and {country_name(partner)} report their trade, "
        f"{span(both)}",
        source=f"{named}, {span(both)}",
        note=note,
    )
    return ax


def forecast_series(trade, monthly, *, series: str, partner: str, flow: str, sources):
    """The series the forecast notebook forecasts, with a title, and the data it came from.

    Parameters
    ----------
    trade : DataFrame
        :func:`kztrade.datasets.load_partner_annual`.
    monthly : DataFrame
        :func:`kztrade.datasets.load_total_monthly`.
    series : {"partner", "total"}
        A partner's annual trade (joined from ``sources`` with :func:`spliced_series`), or
        Kazakhstan's monthly trade with the world.
    partner : str
        ISO3 code, for ``series="partner"``.
    flow : {"turnover", "export", "import", "balance"}
    sources : list of str
        For ``series="partner"``.

    Returns
    -------
    values : Series
        With ``attrs["title"]`` (what it is, e.g. "Kazakhstan–Mongolia turnover") and
        ``attrs["source"]`` (sources and years, for a caption).
    data : DataFrame
        The rows of the tidy frame the series was made from (for
        :func:`kztrade.reports.record_sources`).

    Examples
    --------
    >>> from kztrade.datasets import load_partner_annual, load_total_monthly
    >>> y, data = forecast_series(load_partner_annual(), load_total_monthly(),
    ...     series="partner", partner="MNG", flow="turnover", sources=["COMTRADE", "BNS"])
    >>> y.attrs["title"], y.index[0], y.index[-1], sorted(data["source"].unique())
    ('Kazakhstan–Mongolia turnover', Period('1995', 'Y-DEC'), Period('2025', 'Y-DEC'), \
['BNS', 'COMTRADE'])
    """
    measure = _MEASURE_LABELS[flow].lower()
    if series == "partner":
        out = spliced_series(trade, partner=partner, sources=sources, measure=flow)
        used = out.attrs["sources"]
        parts = [
            select(trade, partner=partner, source=source, first=first, last=last)
            for source, (first, last) in used.items()
        ]
        data = pd.concat(parts, ignore_index=True)
        data.attrs = dict(trade.attrs)
        out.attrs["title"] = f"Kazakhstan–{country_name(partner)} {measure}"
        out.attrs["source"] = "; ".join(
            f"{s} ({SOURCE_NAMES.get(s, s)}), {a}–{b}" if a != b else f"{s}, {a}"
            for s, (a, b) in used.items()
        )
        return out, data
    out = to_series(monthly, measure=flow)
    out.attrs["title"] = f"Kazakhstan's {measure} with the world, monthly"
    out.attrs["source"] = describe_sources(monthly)
    return out, monthly

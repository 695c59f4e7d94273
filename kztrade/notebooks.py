"""Find kztrade's notebooks, read their parameters, and check parameter values by type.

A kztrade notebook declares its parameters in one cell tagged ``parameters``, one plain
literal per line with a comment that explains it::

    partner = "MNG"  # partner country, ISO 3166 alpha-3 code
    first_year = 2015  # first year shown

papermill reads that cell too (``papermill.inspect_notebook``). This module adds what
papermill leaves out: a type for every parameter (from an annotation such as
``top: int = 10``, a ``# type: int`` comment, or else the default's own type), conversion
of command-line text to that type, and errors for unknown names and wrong types.

It does not execute notebooks (see :mod:`kztrade.reports`).
"""

from __future__ import annotations

import ast
import difflib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kztrade.errors import ParameterError

__all__ = [
    "Parameter",
    "notebook_dir",
    "available_notebooks",
    "find_notebook",
    "read_parameters",
    "bind_parameters",
    "parse_value",
    "check_value",
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
    for found in PythonTranslator.inspect(cell):
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
            close = difflib.get_close_matches(name, list(declared), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"unknown parameter {name!r}{hint}")
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

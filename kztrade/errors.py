"""The exceptions kztrade raises, so that users can catch them precisely.

Every error derives from :class:`KztradeError`. Those that come from bad input also
derive from :class:`ValueError`, so code written against plain pandas keeps working.
Messages name the file, the row and column where known, and what to do about it.

When a problem in an input can be repaired without a guess (thousands separators, a
footnote marker after a number, an identical repeated row), kztrade repairs it and says so
with a :class:`KztradeWarning`, which users can turn into an error with
``warnings.simplefilter("error", KztradeWarning)``. A UTF-8 byte-order mark is dropped
silently: it marks the encoding and is not part of the data.
"""

from __future__ import annotations

from os import PathLike

__all__ = [
    "KztradeError",
    "SchemaError",
    "ParseError",
    "UnitsError",
    "UnknownCountryError",
    "DoubleCountingError",
    "ParameterError",
    "KztradeWarning",
    "location",
]


def location(
    path: str | PathLike[str] | None = None,
    *,
    row: int | None = None,
    column: str | None = None,
) -> str:
    """Describe where in an input something was found, for an error message.

    Parameters
    ----------
    path : str or path-like, optional
        The file.
    row : int, optional
        The line number in the file as a text editor shows it (1 = first line).
    column : str, optional
        The column's name as it appears in the file.

    Returns
    -------
    str
        For example ``"data.csv, line 4, column 'value'"``, or ``""`` when nothing is known.

    Examples
    --------
    >>> location("data.csv", row=4, column="value")
    "data.csv, line 4, column 'value'"
    >>> location(column="period")
    "column 'period'"
    """
    parts = []
    if path is not None:
        parts.append(str(path))
    if row is not None:
        parts.append(f"line {row}")
    if column is not None:
        parts.append(f"column {column!r}")
    return ", ".join(parts)


class KztradeError(Exception):
    """Base class of every error kztrade raises on purpose."""


class SchemaError(KztradeError, ValueError):
    """A frame does not follow the tidy trade schema of :mod:`kztrade.schema`."""


class ParseError(KztradeError, ValueError):
    """A file or a string could not be read as trade data.

    Attributes
    ----------
    path, row, column
        Where the problem is, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | PathLike[str] | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.path = path
        self.row = row
        self.column = column
        where = location(path, row=row, column=column)
        super().__init__(f"{where}: {message}" if where else message)


class UnitsError(ParseError):
    """Units are missing, ambiguous, or inconsistent (thousands vs units, cumulative vs monthly)."""


class UnknownCountryError(KztradeError, ValueError):
    """Country names or codes could not be mapped to ISO 3166 alpha-3.

    Attributes
    ----------
    names : list of str
        Every name that could not be mapped, not only the first.
    """

    def __init__(self, names, *, path=None, hint: str = "") -> None:
        self.names = sorted({str(n) for n in names})
        where = f"{path}: " if path is not None else ""
        listed = ", ".join(repr(n) for n in self.names)
        fix = hint or "pass them in `extra_names={name: 'ISO3', ...}` or fix the input"
        super().__init__(
            f"{where}{len(self.names)} country name(s) could not be mapped to ISO3: {listed}; {fix}"
        )


class DoubleCountingError(KztradeError, ValueError):
    """A sum would count trade twice (aggregate rows, nested codes, overlapping sources)."""


class ParameterError(KztradeError, ValueError):
    """A function or notebook parameter has a wrong value or type."""


class KztradeWarning(UserWarning):
    """An input was repaired without a guess; the message says where and what was done.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("data.csv, line 3: footnote marker removed", KztradeWarning)
    >>> caught[0].category.__name__
    'KztradeWarning'
    """

"""Bundled, curated public datasets on Kazakhstan's trade, as tidy frames.

Each ``load_*`` function reads its file when called (never at import, never from the
network) and returns a new, validated tidy frame (:mod:`kztrade.schema`). The files live
in the project's top-level ``data/`` folder (``kztrade/_data`` in an installed wheel); they
are derived from the raw public files by ``scripts/build_data.py`` and documented, source
by source, in ``data/README.md``.

=========================  =============================================  ================
loader                     content                                        sources
=========================  =============================================  ================
load_partner_annual        Kazakhstan's exports/imports by partner        COMTRADE, BNS,
                                                                          IMF-DOTS
load_commodity_monthly     Kazakhstan's exports/imports by HS chapter     BNS
load_total_monthly         Kazakhstan's total exports/imports             BNS
load_mirror_annual         every partner's own report of its trade with   IMF-DOTS, NSO-MN
                           Kazakhstan
load_statements            official statements as claims                  MFA-KZ
=========================  =============================================  ================
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from kztrade.errors import KztradeError
from kztrade.schema import make_frame

__all__ = [
    "data_dir",
    "data_path",
    "DATASETS",
    "load_partner_annual",
    "load_commodity_monthly",
    "load_total_monthly",
    "load_mirror_annual",
    "load_statements",
    "describe",
]

#: File name, frequency and one-line description of each bundled dataset.
DATASETS: dict[str, tuple[str, str, str]] = {
    "partner_annual": (
        "partner_annual.csv",
        "Y",
        "Kazakhstan's exports and imports by partner, annual (COMTRADE 1995-2023, "
        "BNS 2020-2025, IMF-DOTS up to 2020)",
    ),
    "commodity_monthly": (
        "commodity_monthly.csv.gz",
        "M",
        "Kazakhstan's exports and imports by HS chapter, monthly 2015-01 to 2026-07 (BNS)",
    ),
    "total_monthly": (
        "total_monthly.csv",
        "M",
        "Kazakhstan's total exports and imports, monthly 2019-01 to 2026-06 (BNS)",
    ),
    "mirror_annual": (
        "mirror_annual.csv",
        "Y",
        "Partners' own reports of their trade with Kazakhstan, annual (IMF-DOTS, NSO-MN)",
    ),
}


@functools.lru_cache(maxsize=1)
def data_dir() -> Path:
    """Return the folder of the bundled data files.

    In a source checkout this is the project's top-level ``data/``; in an installed wheel,
    ``kztrade/_data``.

    Examples
    --------
    >>> (data_dir() / "README.md").is_file()
    True
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data", here.parent / "data"):
        if (candidate / "README.md").is_file():
            return candidate
    raise KztradeError(
        f"the bundled data folder was not found next to {here} (looked for _data/ and "
        "../data/); reinstall kztrade, or run scripts/build_data.py in a checkout"
    )


def data_path(name: str) -> Path:
    """Return the path of one bundled data file, checking that it exists.

    Examples
    --------
    >>> data_path("partner_annual.csv").name
    'partner_annual.csv'
    """
    path = data_dir() / name
    if not path.is_file():
        raise KztradeError(
            f"bundled data file {path} is missing; in a checkout, rebuild it with "
            "'python scripts/build_data.py'"
        )
    return path


_DTYPES = {
    "reporter": str,
    "partner": str,
    "flow": str,
    "commodity": str,
    "source": str,
    "commodity_name": str,
    "value_usd": "float64",
}


def _load(key: str) -> pd.DataFrame:
    filename, freq, _ = DATASETS[key]
    # keep_default_na=False: 'NA' is Namibia and an empty name is text, not a missing value.
    raw = pd.read_csv(
        data_path(filename),
        dtype={**_DTYPES, "period": str},
        keep_default_na=False,
        na_values={"value_usd": [""]},
    )
    if "estimated" in raw.columns:
        raw["estimated"] = raw["estimated"].map({"True": True, "False": False, "": False})
    frame = make_frame(raw, freq=freq)
    frame.attrs["dataset"] = key
    frame.attrs["file"] = str(data_path(filename))
    return frame


def load_partner_annual() -> pd.DataFrame:
    """Kazakhstan's exports and imports by partner country, annual.

    Three sources, all with Kazakhstan as reporter, kept side by side (filter by
    ``source`` before summing; where they overlap they differ):

    - ``COMTRADE``: UN Comtrade as served by the World Bank's WITS, 1995–2023;
    - ``BNS``: Kazakhstan's Bureau of National Statistics, final July editions, 2020–2025;
    - ``IMF-DOTS``: Kazakhstan's report to the IMF Direction of Trade Statistics
      (exports FOB, imports CIF; ``estimated`` marks IMF estimates), up to 2020.

    Partners are ISO3 codes; there is no ``WLD`` row (the partners add up to the total).

    Examples
    --------
    >>> f = load_partner_annual()
    >>> kaz_mng = f[(f.partner == "MNG") & (f.source == "BNS")
    ...             & (f.period == pd.Period("2021", "Y"))]
    >>> dict(zip(kaz_mng["flow"].astype(str), (kaz_mng["value_usd"] / 1e6).round(3)))
    {'export': 54.689, 'import': 2.441}
    """
    return _load("partner_annual")


def load_commodity_monthly() -> pd.DataFrame:
    """Kazakhstan's exports and imports by HS chapter, monthly (BNS).

    Values are monthly (the published file is not January-to-month cumulative: this is
    checked when the file is built). ``commodity`` is the two-digit chapter (``"01"`` ..
    ``"99"``) or ``"TOTAL"``, the published national total row: never add ``TOTAL`` to the
    chapters (see :func:`kztrade.cleaning.drop_aggregates`). ``commodity_name`` holds the
    chapter's name as BNS publishes it (Russian). Partner is ``WLD``.

    Examples
    --------
    >>> f = load_commodity_monthly()
    >>> sorted(f["flow"].unique().tolist())
    ['export', 'import']
    """
    return _load("commodity_monthly")


def load_total_monthly() -> pd.DataFrame:
    """Kazakhstan's total exports and imports, monthly from January 2019 (BNS).

    Examples
    --------
    >>> f = load_total_monthly()
    >>> y2021 = f[f.period.dt.year == 2021]
    >>> (y2021.groupby("flow", observed=True)["value_usd"].sum() / 1e9).round(2).to_dict()
    {'export': 60.32, 'import': 41.42}
    """
    return _load("total_monthly")


def load_mirror_annual() -> pd.DataFrame:
    """Every partner's own report of its trade with Kazakhstan, annual.

    ``reporter`` is the partner country and ``partner`` is ``KAZ``:

    - ``IMF-DOTS``: each economy's exports (FOB) to and imports (CIF) from Kazakhstan as it
      reports them to the IMF Direction of Trade Statistics, up to 2020; ``estimated`` marks
      IMF estimates;
    - ``NSO-MN``: Mongolia's exports to Kazakhstan from its National Statistics Office,
      2005–2024.

    Examples
    --------
    >>> f = load_mirror_annual()
    >>> row = f[(f.reporter == "MNG") & (f.flow == "import") & (f.source == "IMF-DOTS")
    ...         & (f.period == pd.Period("2019", "Y"))]
    >>> round(float(row["value_usd"].iloc[0]) / 1e6, 2)
    29.11
    """
    return _load("mirror_annual")


def load_statements() -> pd.DataFrame:
    """Published official statements on Kazakhstan's trade, one row per stated figure.

    Columns: ``statement`` (id), ``source`` (who said it), ``date`` (release date),
    ``reporter``, ``partner``, ``year``, ``first_month``, ``last_month`` (12 = the whole
    year), ``measure`` (turnover, export, import, balance), ``value_usd``, ``growth``
    (fraction; NaN when none was stated), ``text`` (the figure as published).

    Examples
    --------
    >>> s = load_statements()
    >>> s.loc[s.measure == "turnover", ["year", "last_month", "value_usd", "growth"]]
       year  last_month   value_usd  growth
    0  2021          12  60900000.0   0.481
    1  2022           4  31000000.0   1.180
    """
    path = data_path("statements.csv")
    frame = pd.read_csv(
        path,
        dtype={
            "statement": str,
            "source": str,
            "date": str,
            "reporter": str,
            "partner": str,
            "measure": str,
            "text": str,
            "year": "int64",
            "first_month": "int64",
            "last_month": "int64",
            "value_usd": "float64",
            "growth": "float64",
        },
        keep_default_na=False,
        na_values={"growth": [""], "value_usd": [""]},
    )
    frame.attrs["dataset"] = "statements"
    frame.attrs["file"] = str(path)
    return frame


def describe() -> pd.DataFrame:
    """List the bundled datasets with their files and contents.

    Examples
    --------
    >>> describe()["loader"].tolist()[:2]
    ['load_partner_annual', 'load_commodity_monthly']
    """
    rows = [
        {"loader": f"load_{key}", "file": f"data/{name}", "frequency": freq, "content": text}
        for key, (name, freq, text) in DATASETS.items()
    ]
    rows.append(
        {
            "loader": "load_statements",
            "file": "data/statements.csv",
            "frequency": "-",
            "content": "Official statements on Kazakhstan's trade, as claims (MFA-KZ)",
        }
    )
    return pd.DataFrame(rows)

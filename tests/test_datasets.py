import subprocess
import sys

import pandas as pd
import pytest
from conftest import RAW, ROOT

from kztrade import datasets
from kztrade.cleaning import drop_aggregates, find_duplicates
from kztrade.schema import frequency, validate


def value(frame, **where):
    mask = pd.Series(True, index=frame.index)
    for key, v in where.items():
        column = frame[key].astype(str) if key == "period" else frame[key]
        mask &= column == v
    return frame.loc[mask, "value_usd"]


@pytest.fixture(scope="module")
def partner():
    return datasets.load_partner_annual()


@pytest.fixture(scope="module")
def mirror():
    return datasets.load_mirror_annual()


@pytest.mark.parametrize(
    ("loader", "freq", "sources", "min_rows"),
    [
        (datasets.load_partner_annual, "Y", {"BNS", "COMTRADE", "IMF-DOTS"}, 15_000),
        (datasets.load_commodity_monthly, "M", {"BNS"}, 25_000),
        (datasets.load_total_monthly, "M", {"BNS"}, 180),
        (datasets.load_mirror_annual, "Y", {"IMF-DOTS", "NSO-MN"}, 5_000),
    ],
)
def test_loaders_return_valid_tidy_frames(loader, freq, sources, min_rows):
    frame = loader()
    validate(frame)
    assert frequency(frame) == freq
    assert set(frame["source"]) == sources
    assert len(frame) >= min_rows
    assert find_duplicates(frame).empty
    # Each call reads anew: changing one result does not change the next.
    frame.loc[frame.index[0], "value_usd"] = -1.0
    assert loader().loc[0, "value_usd"] >= 0


def test_sanity_figures_kaz_mng(partner, mirror):
    bns = partner[(partner.partner == "MNG") & (partner.source == "BNS")]
    assert value(bns, flow="export", period="2021").item() / 1e6 == pytest.approx(54.689, abs=5e-4)
    assert value(bns, flow="import", period="2021").item() / 1e6 == pytest.approx(2.441, abs=5e-4)
    turnover = {y: value(bns, period=y).sum() / 1e6 for y in ("2020", "2021")}
    assert turnover["2021"] == pytest.approx(57.13, abs=5e-3)
    assert turnover["2021"] / turnover["2020"] - 1 == pytest.approx(0.949, abs=5e-4)
    kaz_dots = partner[(partner.partner == "MNG") & (partner.source == "IMF-DOTS")]
    assert value(kaz_dots, flow="export", period="2019").item() / 1e6 == pytest.approx(58.246573)
    mng = mirror[(mirror.reporter == "MNG") & (mirror.partner == "KAZ")]
    dots = mng[mng.source == "IMF-DOTS"]
    assert value(dots, flow="import", period="2019").item() / 1e6 == pytest.approx(29.108839)
    assert value(dots, flow="export", period="2019").item() / 1e6 == pytest.approx(6.234626)
    nso = mng[mng.source == "NSO-MN"]
    assert value(nso, flow="export", period="2019").item() == pytest.approx(6_234_600.0)


def test_sources_overlap_and_differ(partner):
    mng = partner[(partner.partner == "MNG") & (partner.flow == "import")]
    bns = value(mng[mng.source == "BNS"], period="2021").item()
    wits = value(mng[mng.source == "COMTRADE"], period="2021").item()
    assert (round(bns / 1e3, 1), round(wits / 1e3, 1)) == (2441.5, 2054.6)


def test_partner_annual_has_no_world_rows_and_adds_up(partner):
    assert "WLD" not in set(partner["partner"])
    totals = datasets.load_total_monthly()
    y2021 = totals[totals.period.dt.year == 2021].groupby("flow", observed=True)["value_usd"].sum()
    bns = partner[(partner.source == "BNS") & (partner.period.dt.year == 2021)]
    by_partner = bns.groupby("flow", observed=True)["value_usd"].sum()
    assert (by_partner / y2021).round(6).tolist() == [1.0, 1.0]


def test_commodity_monthly_is_monthly_and_matches_totals():
    chapters = datasets.load_commodity_monthly()
    exports = chapters[chapters.flow == "export"]
    by_month = drop_aggregates(exports).groupby("period")["value_usd"].sum()
    total = exports[exports.commodity == "TOTAL"].set_index("period")["value_usd"]
    gap = (by_month - total.reindex(by_month.index)).abs() / total.reindex(by_month.index)
    assert gap.max() < 1e-6  # exports: chapters add up to TOTAL in every month
    year = exports[(exports.commodity == "TOTAL") & (exports.period.dt.year == 2022)]
    assert year["value_usd"].sum() / 1e9 == pytest.approx(84.59, abs=5e-3)
    imports = chapters[(chapters.flow == "import") & (chapters.period.astype(str) == "2022-09")]
    assert imports["commodity"].tolist() == ["TOTAL"]  # published as a total only
    assert drop_aggregates(imports)["commodity"].tolist() == ["TOTAL"]


def test_two_vintages_of_the_same_months_are_visible():
    chapters = datasets.load_commodity_monthly()
    totals = datasets.load_total_monthly()
    a = value(chapters[chapters.flow == "export"], commodity="TOTAL", period="2026-04").item()
    b = value(totals[totals.flow == "export"], period="2026-04").item()
    assert a / b - 1 == pytest.approx(0.043, abs=2e-3)


def test_statements():
    s = datasets.load_statements()
    assert set(s["measure"]) == {"turnover", "export", "import"}
    jan_apr = s[(s.year == 2022) & (s.last_month == 4)].set_index("measure")
    assert jan_apr.loc["export", "value_usd"] + jan_apr.loc["import", "value_usd"] == pytest.approx(
        30.866e6
    )
    assert jan_apr.loc["import", "growth"] == pytest.approx(-0.503)


def test_describe_lists_every_loader():
    names = datasets.describe()["loader"].tolist()
    assert all(hasattr(datasets, n) for n in names)
    assert len(names) == 5


@pytest.mark.skipif(not RAW.is_dir(), reason="raw public files (../shared/data) not present")
def test_bundled_tables_are_what_the_script_derives():
    """Rebuild the quick tables from the raw files and compare them byte for byte."""
    code = (
        "import sys; sys.argv=['x']; sys.path.insert(0, 'scripts');"
        "import build_data as b;"
        f"from pathlib import Path; raw = Path({str(RAW)!r});"
        "tables = {'total_monthly.csv': b.total_monthly(raw),"
        " 'country_names_ru.csv': b.country_names_ru(raw)};"
        "bad = [n for n, f in tables.items()"
        "       if b.encode(n, f) != (Path('data') / n).read_bytes()];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr

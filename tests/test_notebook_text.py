"""The computed text, tables and axes of the notebooks say what the figures say."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from kztrade import datasets, forecast, growth, mirror, notebooks
from kztrade.forecast import ForecastResult


@pytest.fixture(scope="module")
def trade():
    return datasets.load_partner_annual()


@pytest.fixture(scope="module")
def partner_mirror():
    return datasets.load_mirror_annual()


def _number(text: str) -> float:
    return float(text.replace(",", ""))


@pytest.mark.parametrize("partner", ["MNG", "CHN"])
@pytest.mark.parametrize("cif_fob", [1.06, 1.0])
def test_mirror_table_gap_is_the_difference_of_the_columns_shown(
    trade, partner_mirror, partner, cif_fob
):
    own = notebooks.select(trade, reporter="KAZ", partner=partner)
    other = notebooks.select(partner_mirror, reporter=partner, partner="KAZ")
    table = notebooks.mirror_table(mirror.mirror_by_source(own, other, cif_fob=cif_fob))
    assert table.columns[:3].tolist() == ["Direction", "KAZ source", f"{partner} source"]
    gap = next(c for c in table.columns if c.startswith("Gap KAZ"))
    numbers = [c for c in table.columns if c.endswith("USD m") and c != gap]
    left, right = numbers[-2:]
    if cif_fob == 1.0:
        assert (left, right) == ("KAZ reports, USD m", f"{partner} reports, USD m")
    else:
        assert left == "KAZ, FOB basis (imports ÷ 1.06), USD m"
        assert right == f"{partner}, FOB basis (imports ÷ 1.06), USD m"
    rows = table[(table[left] != "–") & (table[right] != "–")]
    assert len(rows) >= 10
    for _, row in rows.iterrows():
        assert _number(row[gap]) == pytest.approx(
            round(_number(row[left]) - _number(row[right]), 2), abs=1e-9
        )
        # the FOB basis divides the importer's figure only, as the header says
        exporter = row["Direction"].split("→")[0]
        for side, column in (("KAZ", left), (partner, right)):
            reported = _number(row[f"{side} reports, USD m"])
            expected = reported if side == exporter else reported / cif_fob
            # both figures are rounded to 0.01: the reported one before dividing, this one after
            assert _number(row[column]) == pytest.approx(expected, abs=0.011)


def test_mirror_section_of_mongolia_reaches_2024_with_its_own_statistics(trade, partner_mirror):
    own = notebooks.select(trade, reporter="KAZ", partner="MNG", first=2015, last=2025)
    other = notebooks.select(partner_mirror, reporter="MNG", partner="KAZ", first=2015, last=2025)
    gaps = mirror.mirror_by_source(own, other, cif_fob=1.06)
    table = notebooks.mirror_table(gaps)
    national = table[table["MNG source"] == "NSO-MN"]
    assert national.index.tolist() == [str(y) for y in range(2015, 2025)]
    assert (national["Direction"] == "MNG→KAZ").all()
    # Kazakhstan's side: BNS where it has the year, UN Comtrade before
    assert national["KAZ source"].tolist() == ["COMTRADE"] * 5 + ["BNS"] * 5
    dots = table[table["MNG source"] == "IMF-DOTS"]
    assert set(dots["KAZ source"]) == {"IMF-DOTS"} and dots.index.max() == "2020"
    bns = trade[(trade["source"] == "BNS") & (trade["partner"] == "MNG")]
    nso = partner_mirror[
        (partner_mirror["source"] == "NSO-MN") & (partner_mirror["partner"] == "KAZ")
    ]
    k = float(
        bns.loc[(bns["flow"] == "import") & (bns["period"].dt.year == 2024), "value_usd"].iloc[0]
    )
    m = float(nso.loc[nso["period"].dt.year == 2024, "value_usd"].iloc[0])
    row = national.loc["2024"]
    assert row["KAZ reports, USD m"] == f"{k / 1e6:.2f}"
    assert row["MNG reports, USD m"] == f"{m / 1e6:.2f}"
    assert row["KAZ, FOB basis (imports ÷ 1.06), USD m"] == f"{k / 1.06 / 1e6:.2f}"
    text = notebooks.explain_mirror(gaps).text
    assert "Kazakhstan's imports (COMTRADE 2015–2019, BNS 2020–2024) against Mongolia's " in text
    assert text.endswith(
        "The latest year both report: 2020 for Kazakhstan's exports to Mongolia; 2024 for "
        "Kazakhstan's imports from Mongolia."
    )
    levels = growth.with_turnover(notebooks.select(own, source="BNS"))
    said = notebooks.overview_highlights(levels, mirror=gaps)
    assert "In 2020, the latest year both report, Kazakhstan recorded 27.46 M USD" in said.text
    assert (
        f"For Kazakhstan's imports from Mongolia both report up to 2024: Kazakhstan recorded "
        f"{k / 1e6:.2f} M USD (BNS), {k / 1.06 / 1e6:.2f} M USD at FOB prices" in said.text
    )
    assert f"{m / 1e6:.2f} M USD of exports to Kazakhstan (NSO-MN)" in said.text
    figures = {f["name"]: f for f in said.figures}
    assert figures["mirror_gap_imports"]["label"] == "Mirror gap, imports 2024"


def test_mirror_section_of_china_stays_with_dots(trade, partner_mirror):
    own = notebooks.select(trade, reporter="KAZ", partner="CHN", first=2015, last=2025)
    other = notebooks.select(partner_mirror, reporter="CHN", partner="KAZ", first=2015, last=2025)
    gaps = mirror.mirror_by_source(own, other, cif_fob=1.06)
    dots = mirror.mirror(
        notebooks.select(own, source="IMF-DOTS"),
        notebooks.select(other, source="IMF-DOTS"),
        cif_fob=1.06,
    )
    pd.testing.assert_frame_equal(gaps.drop(columns="comparison"), dots)
    assert notebooks.explain_mirror(gaps).text.endswith(
        "The latest year both report: 2020 in both directions."
    )
    levels = growth.with_turnover(notebooks.select(own, source="BNS"))
    assert (
        notebooks.overview_highlights(levels, mirror=gaps).text
        == notebooks.overview_highlights(levels, mirror=dots).text
    )


def _result(mean, upper):
    years = pd.period_range("2026", periods=len(mean), freq="Y")
    mean = np.asarray(mean, dtype=float)
    upper = np.asarray(upper, dtype=float)
    return ForecastResult(
        mean=pd.Series(mean, index=years),
        intervals=pd.DataFrame(
            {"lower_80": mean * 0.5, "upper_80": upper * 0.5 + mean * 0.5, "lower_95": mean * 0.2,
             "upper_95": upper},
            index=years,
        ),
        model="naive", candidate="naive", transform="log", season_length=1, levels=(80, 95),
        forecasts=pd.DataFrame(index=years), candidates={},
        backtest=pd.DataFrame({"candidate": ["naive"], "model": ["naive"], "mase": [1.0],
                               "smape": [10.0], "origins": 3, "note": "", "chosen": [True]}),
    )  # fmt: skip


def test_a_series_of_hundreds_of_millions_is_shown_in_millions_despite_wide_intervals():
    history = pd.Series(
        [60e6, 95e6, 120e6, 80e6, 140e6, 135e6],
        index=pd.period_range("2020", periods=6, freq="Y"),
    )
    result = _result([135e6, 135e6, 135e6], [0.53e9, 0.97e9, 1.51e9])
    table = notebooks.forecast_table(result)
    assert table.columns[0] == "Forecast, USD m"
    assert table.iloc[0, 0] == "135.00"
    fig, ax = plt.subplots()
    forecast.plot_forecast(result, history=history, ax=ax)
    notebooks.usd_axis(ax)
    fig.canvas.draw()
    assert ax.get_ylabel() == "USD millions"
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert len(ticks) >= 3
    assert len(set(ticks)) == len(ticks), ticks
    assert max(_number(t) for t in ticks) < 1000  # the 1.5 bn bound runs off the chart
    assert "95% upper bound 1.51 bn USD" in ax.texts[0].get_text()


def test_tick_labels_stay_distinct_when_the_unit_is_large_for_the_axis():
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [1.2e9, 1.5e9, 1.9e9])
    ax.set_ylim(1.0e9, 2.0e9)
    notebooks.usd_axis(ax)
    fig.canvas.draw()
    assert ax.get_ylabel() == "USD billions"
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert len(set(ticks)) == len(ticks) >= 3, ticks


@pytest.fixture(scope="module")
def mongolia_forecast(trade):
    monthly = datasets.load_total_monthly()
    history, _ = notebooks.forecast_series(
        trade, monthly, series="partner", partner="MNG", flow="turnover",
        sources=["COMTRADE", "BNS"],
    )  # fmt: skip
    return forecast.auto_forecast(history, horizon=3)


def test_forecast_reading_says_how_the_model_was_chosen(mongolia_forecast):
    result = mongolia_forecast
    text = notebooks.explain_forecast(result, what="turnover").text
    table = result.backtest
    chosen = table[table["chosen"]].iloc[0]
    assert "smallest error" not in text
    assert f"MASE) of {chosen['mase']:.2f}" in text
    naive = table.loc[table["candidate"] == "naive", "mase"].iloc[0]
    assert f"against {naive:.2f} for the naive forecast" in text
    singles = table[
        table["candidate"].isin(forecast.BASE_CANDIDATES) & ~table["chosen"] & table["mase"].notna()
    ].sort_values("mase")
    best = singles.iloc[0]
    if result.candidate == "median":
        assert text.count("point-wise median") == 1
        assert "fixed rule" in text
    else:
        assert "guard" in text or "fewer could be" in text
    if best["mase"] < chosen["mase"]:
        assert f"{best['model']} scored better ({best['mase']:.2f})" in text
    else:
        assert f"{best['model']}, had {best['mase']:.2f}" in text


@pytest.mark.parametrize(
    ("values", "branch"),
    [
        ([10.0, 11, 12, 13], "fewer could be"),  # too short for three models' backtests
        ([10.0, 11, 12, 13, 14, 15, 16, 17], None),
    ],
)
def test_forecast_reading_names_the_branch_of_the_rule_that_applied(values, branch):
    y = pd.Series(values, index=pd.period_range("2015", periods=len(values), freq="Y"))
    result = forecast.auto_forecast(y, horizon=2)
    text = notebooks.explain_forecast(result, what="turnover").text
    median = result.backtest[result.backtest["candidate"] == "median"]
    if result.candidate == "median":
        expected = "That median is the fixed rule"
    elif len(median) and median["mase"].notna().all():
        expected = "guard against broken fits"
    else:
        expected = "fewer could be"
    assert expected in text
    if branch is not None:
        assert branch == expected
    assert re.search(r"\b1 rolling origins\b", text) is None


def test_statement_tables_show_millions_and_no_missing_value_markers(trade):
    from kztrade import statements

    claims = statements.parse_statements(
        "In 2021 the trade turnover between Kazakhstan and Mongolia reached 60.9 million US "
        "dollars, 48.1% more than a year before. In January-April 2022 imports from Mongolia "
        "were 466 thousand USD (-50.3%).",
        reporter="KAZ",
        partner="MNG",
        date="2022-05",
    )
    checked = statements.check_statements(claims, [trade], sources=["BNS", "IMF-DOTS"])
    tables = [
        notebooks.claims_table(claims),
        notebooks.verdicts_table(statements.verdicts(checked)),
        notebooks.checks_table(checked),
    ]
    for table in tables:
        cells = table.to_numpy().ravel().tolist()
        assert all(isinstance(c, str) for c in cells)
        shown = " ".join(cells + [str(i) for i in table.index])
        assert not re.search(r"\bnan\b|<NA>|\bNone\b|\de[+-]\d", shown, flags=re.IGNORECASE)
    claims_shown, _, checks = tables
    assert claims_shown.loc[1, "Value, USD m"] == "60.90"
    assert claims_shown.loc[2, "Value, USD m"] == "0.466"
    bns = checks[(checks["Check"] == "value") & (checks["Against"] == "BNS")].iloc[0]
    assert (bns["Stated, USD m or %"], bns["Recorded"]) == ("60.90", "57.13")
    growth = checks[(checks["Check"] == "growth") & (checks["Against"] == "BNS")].iloc[0]
    assert (growth["Recorded"], growth["Difference"]) == ("+94.9%", "-46.8 pp")

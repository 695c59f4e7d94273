"""Tests of kztrade.growth: hand-computed cases, properties, errors, no mutation."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from kztrade.errors import DoubleCountingError, ParameterError, SchemaError  # noqa: E402
from kztrade.growth import (  # noqa: E402
    MEASURES,
    LowBase,
    cagr,
    contributions,
    hhi,
    index,
    shares,
    top_n,
    turnover,
    with_turnover,
    yoy,
    ytd,
)
from kztrade.plotting import plot_trade  # noqa: E402
from kztrade.schema import make_frame  # noqa: E402

M = 1e6
PROPERTY = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def annual(rows, **extra):
    """Annual tidy frame from (period, partner, flow, value) tuples."""
    period, partner, flow, value = zip(*rows, strict=True)
    data = {
        "period": list(period),
        "reporter": "KAZ",
        "partner": list(partner),
        "flow": list(flow),
        "commodity": extra.pop("commodity", "TOTAL"),
        "value_usd": list(value),
        "source": extra.pop("source", "BNS"),
    }
    data.update(extra)
    return make_frame(data, freq="Y")


def monthly(values: dict[str, float], *, flow="export", partner="MNG"):
    return make_frame(
        {
            "period": list(values),
            "reporter": "KAZ",
            "partner": partner,
            "flow": flow,
            "commodity": "TOTAL",
            "value_usd": list(values.values()),
            "source": "BNS",
        },
        freq="M",
    )


@pytest.fixture
def kaz_mng():
    # BNS figures in USD (thousand USD in the source files, times 1000)
    return annual(
        [
            (2020, "MNG", "export", 27_433_421.26),
            (2020, "MNG", "import", 1_873_884.91),
            (2021, "MNG", "export", 54_688_982.48),
            (2021, "MNG", "import", 2_441_475.79),
        ]
    )


def unchanged(func, frame, **kwargs):
    """Call func and check the frame is left exactly as it was."""
    before = frame.copy(deep=True)
    result = func(frame, **kwargs)
    pd.testing.assert_frame_equal(frame, before)
    return result


# --------------------------------------------------------------------------- turnover


def test_turnover_hand_computed(kaz_mng):
    t = unchanged(turnover, kaz_mng)
    assert list(t.columns) == [
        "period",
        "reporter",
        "partner",
        "commodity",
        "source",
        "export",
        "import",
        "turnover",
        "balance",
        "coverage",
        "note",
    ]
    row = t[t["period"] == pd.Period("2021", "Y")].iloc[0]
    assert row["turnover"] == pytest.approx(57_130_458.27)
    assert row["balance"] == pytest.approx(54_688_982.48 - 2_441_475.79)
    assert row["coverage"] == pytest.approx(54_688_982.48 / 2_441_475.79)
    assert row["note"] == ""


def test_turnover_missing_flow_is_nan_with_reason(kaz_mng):
    t = turnover(kaz_mng.drop(index=3))
    row = t.iloc[1]
    assert row["export"] == pytest.approx(54_688_982.48)
    assert math.isnan(row["import"]) and math.isnan(row["turnover"])
    assert math.isnan(row["balance"]) and math.isnan(row["coverage"])
    assert row["note"] == "no import rows"


def test_turnover_zero_imports_gives_infinite_coverage():
    f = annual([(2021, "MNG", "export", 5.0), (2021, "MNG", "import", 0.0)])
    row = turnover(f).iloc[0]
    assert row["coverage"] == np.inf
    assert row["note"] == "imports are zero: coverage is infinite"
    f0 = annual([(2021, "MNG", "export", 0.0), (2021, "MNG", "import", 0.0)])
    row = turnover(f0).iloc[0]
    assert math.isnan(row["coverage"])
    assert row["note"] == "no trade in either direction: coverage undefined"


def test_turnover_sums_partners_and_carries_estimated():
    f = annual(
        [
            (2021, "MNG", "export", 3.0),
            (2021, "CHN", "export", 4.0),
            (2021, "MNG", "import", 1.0),
        ],
        estimated=[False, True, False],
    )
    t = turnover(f, by=("period", "reporter"))
    assert t[["export", "import", "turnover"]].iloc[0].tolist() == [7.0, 1.0, 8.0]
    assert bool(t["estimated"].iloc[0]) is True


def test_turnover_and_with_turnover_carry_commodity_names():
    f = annual(
        [(2021, "WLD", "export", 3.0), (2021, "WLD", "import", 1.0)],
        commodity="27",
        commodity_name="Mineral fuels",
    )
    t = turnover(f)
    assert list(t.columns[:5]) == ["period", "reporter", "partner", "commodity", "commodity_name"]
    assert t["commodity_name"].iloc[0] == "Mineral fuels"
    assert set(with_turnover(f)["commodity_name"]) == {"Mineral fuels"}


def test_turnover_rejects_flow_in_by(kaz_mng):
    with pytest.raises(ParameterError, match="`by` must not include 'flow'"):
        turnover(kaz_mng, by=("period", "flow"))
    with pytest.raises(ParameterError, match=r"`by` names column\(s\) \['region'\]"):
        turnover(kaz_mng, by=("period", "region"))


# --------------------------------------------------------------------------- with_turnover


def test_with_turnover_adds_measures(kaz_mng):
    t = unchanged(with_turnover, kaz_mng)
    assert list(t["flow"].cat.categories) == list(MEASURES)
    got = t.set_index(["period", "flow"])["value_usd"]
    assert got[(pd.Period("2021", "Y"), "turnover")] == pytest.approx(57_130_458.27)
    assert got[(pd.Period("2021", "Y"), "balance")] == pytest.approx(52_247_506.69)
    assert set(t["note"]) == {""}
    assert list(t.columns) == list(kaz_mng.columns) + ["note"]


def test_with_turnover_negative_balance_and_missing_flow():
    f = annual(
        [(2020, "MNG", "export", 1.0), (2020, "MNG", "import", 3.0), (2021, "MNG", "export", 2.0)]
    )
    t = with_turnover(f)
    bal = t[(t["flow"] == "balance")].set_index("period")
    assert bal.loc[pd.Period("2020", "Y"), "value_usd"] == -2.0
    assert math.isnan(bal.loc[pd.Period("2021", "Y"), "value_usd"])
    assert bal.loc[pd.Period("2021", "Y"), "note"] == "no import rows"


def test_with_turnover_refuses_derived_rows(kaz_mng):
    with pytest.raises(ParameterError, match="already holds 'turnover'/'balance' rows"):
        with_turnover(with_turnover(kaz_mng))


def test_yoy_of_turnover_equals_growth_of_summed_flows(kaz_mng):
    g = yoy(with_turnover(kaz_mng))
    t = g[(g["flow"] == "turnover") & g["growth"].notna()].iloc[0]
    assert t["growth"] == pytest.approx(57_130_458.27 / 29_307_306.17 - 1)
    direct = yoy(kaz_mng, by=("reporter", "partner")).dropna(subset=["growth"])
    assert direct["growth"].iloc[0] == pytest.approx(t["growth"])
    assert round(t["growth"], 3) == 0.949


def test_yoy_of_negative_balance_base_is_nan_with_note():
    f = annual(
        [
            (2020, "MNG", "export", 1 * M),
            (2020, "MNG", "import", 3 * M),
            (2021, "MNG", "export", 4 * M),
            (2021, "MNG", "import", 3 * M),
        ]
    )
    g = yoy(with_turnover(f))
    b = g[(g["flow"] == "balance") & (g["period"] == pd.Period("2021", "Y"))].iloc[0]
    assert math.isnan(b["growth"])
    assert b["change_usd"] == 3 * M
    assert b["note"] == "base is negative: growth rate undefined, see change_usd"


# --------------------------------------------------------------------------- yoy


def test_yoy_annual_hand_computed(kaz_mng):
    g = unchanged(yoy, kaz_mng)
    assert list(g.columns) == [
        "reporter",
        "partner",
        "flow",
        "commodity",
        "source",
        "period",
        "value_usd",
        "base_period",
        "base_usd",
        "change_usd",
        "growth",
        "low_base",
        "note",
    ]
    exp = g[(g["flow"] == "export") & (g["period"] == pd.Period("2021", "Y"))].iloc[0]
    assert exp["growth"] == pytest.approx(54_688_982.48 / 27_433_421.26 - 1)
    assert exp["base_period"] == pd.Period("2020", "Y")
    assert exp["base_usd"] == 27_433_421.26
    first = g[g["period"] == pd.Period("2020", "Y")]
    assert first["growth"].isna().all()
    assert set(first["note"]) == {"no value for 2019"}


def test_yoy_monthly_compares_same_month_a_year_earlier():
    values = {f"{y}-{m:02d}": float(100 * y + m) for y in (2021, 2022) for m in range(1, 13)}
    g = yoy(monthly(values), low_base=None)
    apr = g[g["period"] == pd.Period("2022-04", "M")].iloc[0]
    assert apr["base_period"] == pd.Period("2021-04", "M")
    assert apr["growth"] == pytest.approx((202_204 / 202_104) - 1)
    assert g["growth"].notna().sum() == 12


def test_yoy_periods_two_years_back():
    f = annual(
        [
            (2019, "MNG", "export", 10 * M),
            (2020, "MNG", "export", 5 * M),
            (2021, "MNG", "export", 15 * M),
        ]
    )
    g = yoy(f, periods=2)
    assert g["growth"].tolist()[2] == pytest.approx(0.5)
    assert g["base_period"].tolist()[2] == pd.Period("2019", "Y")


def test_yoy_missing_period_in_the_middle_gives_nan_with_reason():
    f = annual([(2019, "MNG", "export", 10 * M), (2021, "MNG", "export", 15 * M)])
    g = yoy(f)
    assert math.isnan(g["growth"].iloc[1])
    assert g["note"].iloc[1] == "no value for 2020"


def test_yoy_zero_bases():
    f = annual(
        [
            (2020, "MNG", "export", 0.0),
            (2021, "MNG", "export", 5 * M),
            (2020, "MNG", "import", 0.0),
            (2021, "MNG", "import", 0.0),
        ]
    )
    g = yoy(f).dropna(subset=["base_usd"]).set_index("flow")
    assert g.loc["export", "growth"] == np.inf
    assert g.loc["export", "note"].startswith("base is zero: growth is infinite")
    assert math.isnan(g.loc["import", "growth"])
    assert g.loc["import", "note"].startswith("zero in both periods: growth undefined")
    assert g["low_base"].all()


def test_yoy_low_base_flag_and_note():
    # "imports -50.3% on a base of 0.9 M" is flagged as a low base
    f = annual([(2020, "MNG", "import", 0.9 * M), (2021, "MNG", "import", 0.4473 * M)])
    row = yoy(f).iloc[1]
    assert row["growth"] == pytest.approx(-0.503)
    assert bool(row["low_base"]) is True
    assert row["note"] == "low base: 0.90 M USD below 1.00 M USD"
    assert not yoy(f, low_base=None)["low_base"].any()
    assert not yoy(f, low_base=0.5 * M)["low_base"].any()
    assert yoy(f, low_base=LowBase(annual_usd=2 * M))["low_base"].iloc[1]


def test_yoy_low_base_threshold_scales_to_months():
    values = {"2021-01": 80_000.0, "2022-01": 90_000.0, "2021-02": 90_000.0, "2022-02": 1.0}
    g = yoy(monthly(values)).dropna(subset=["base_usd"]).set_index("period")
    assert g.loc[pd.Period("2022-01", "M"), "low_base"]
    assert g.loc[pd.Period("2022-01", "M"), "note"] == "low base: 80.0 k USD below 83.3 k USD"
    assert not g.loc[pd.Period("2022-02", "M"), "low_base"]


def test_yoy_low_base_share_rule():
    f = annual(
        [
            (2020, "CHN", "export", 990 * M),
            (2020, "MNG", "export", 10 * M),
            (2021, "CHN", "export", 1000 * M),
            (2021, "MNG", "export", 20 * M),
        ]
    )
    rule = LowBase(annual_usd=None, share=0.05, share_of="partner")
    g = yoy(f, low_base=rule).dropna(subset=["base_usd"]).set_index("partner")
    assert g.loc["MNG", "low_base"] and not g.loc["CHN", "low_base"]
    assert g.loc["MNG", "note"] == "low base: 1.00% of the group total, below 5.00%"
    with pytest.raises(ParameterError, match="low_base.share_of='commodity' must be one of"):
        yoy(f, low_base=LowBase(share=0.05, share_of="commodity"), by=("partner", "flow"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"periods": 0}, "`periods` must be a whole number of years >= 1"),
        ({"periods": True}, "`periods` must be a whole number of years >= 1"),
        ({"by": ("period", "flow")}, "`by` must not include 'period'"),
        ({"by": 3}, "`by` must be a column name or a sequence of column names"),
        ({"low_base": "big"}, "`low_base` must be a LowBase"),
    ],
)
def test_yoy_parameter_errors(kaz_mng, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        yoy(kaz_mng, **kwargs)


def test_low_base_validates_its_fields():
    with pytest.raises(ParameterError, match="LowBase.share must be a fraction between 0 and 1"):
        LowBase(share=5)
    with pytest.raises(ParameterError, match="LowBase.annual_usd must be a finite number >= 0"):
        LowBase(annual_usd=-1.0)


def test_frame_errors():
    with pytest.raises(SchemaError, match="yoy: expected a pandas DataFrame, got list"):
        yoy([1, 2])
    with pytest.raises(SchemaError, match="yoy: the frame has no column 'value_usd'"):
        yoy(pd.DataFrame({"period": [1]}))


# --------------------------------------------------------------------------- ytd


@pytest.fixture
def ministry_months():
    # Jan-Apr 2021: 10 M USD; Jan-Apr 2022: 21.8 M USD -> +118 %
    values = {
        "2021-01": 2 * M, "2021-02": 2 * M, "2021-03": 3 * M, "2021-04": 3 * M,
        "2021-05": 9 * M,
        "2022-01": 4 * M, "2022-02": 5 * M, "2022-03": 6 * M, "2022-04": 6.8 * M,
        "2022-05": 1 * M,
    }  # fmt: skip
    return monthly(values)


def test_ytd_january_to_april_as_the_ministry_reports(ministry_months):
    r = unchanged(ytd, ministry_months, through="2022-04")
    assert len(r) == 1
    row = r.iloc[0]
    assert row["period"] == pd.Period("2022", "Y")
    assert row["months"] == "Jan–Apr"
    assert row["through"] == 4
    assert row["value_usd"] == pytest.approx(21.8 * M)
    assert row["base_usd"] == pytest.approx(10 * M)
    assert row["growth"] == pytest.approx(1.18)
    assert f"{row['growth']:+.0%}" == "+118%"
    assert not row["low_base"] and row["note"] == ""
    assert list(r.columns[:8]) == [
        "reporter", "partner", "flow", "commodity", "source", "period", "months", "through",
    ]  # fmt: skip


def test_ytd_every_year_when_through_is_a_month_number(ministry_months):
    r = ytd(ministry_months, through=4)
    assert r["period"].astype(str).tolist() == ["2021", "2022"]
    assert r["note"].iloc[0] == "no value for Jan–Apr 2020"
    assert r["growth"].iloc[1] == pytest.approx(1.18)
    jan = ytd(ministry_months, through=1)
    assert jan["months"].iloc[0] == "Jan" and jan["growth"].iloc[1] == pytest.approx(1.0)


def test_ytd_never_sums_an_incomplete_year(ministry_months):
    gap = ministry_months[ministry_months["period"] != pd.Period("2022-03", "M")]
    row = ytd(gap, through=4).iloc[1]
    assert math.isnan(row["value_usd"]) and math.isnan(row["growth"])
    assert row["note"] == "Jan–Apr 2022 incomplete: no data for 2022-03"
    gap_base = ministry_months[ministry_months["period"] != pd.Period("2021-02", "M")]
    row = ytd(gap_base, through="2022-04").iloc[0]
    assert row["value_usd"] == pytest.approx(21.8 * M)
    assert math.isnan(row["base_usd"]) and math.isnan(row["growth"])
    assert row["note"] == "base Jan–Apr 2021 incomplete: no data for 2021-02"


def test_ytd_year_without_data(ministry_months):
    row = ytd(ministry_months, through="2024-02").iloc[0]
    assert row["period"] == pd.Period("2024", "Y")
    assert math.isnan(row["growth"])
    assert row["note"] == "no data for Jan–Feb 2024; no value for Jan–Feb 2023"


def test_ytd_low_base_threshold_is_scaled(ministry_months):
    small = ministry_months.assign(value_usd=ministry_months["value_usd"] / 100)
    row = ytd(small, through="2022-04").iloc[0]
    # base 0.10 M USD for four months against 1 M * 4 / 12 = 0.33 M USD
    assert row["low_base"]
    assert row["note"] == "low base: 0.10 M USD below 0.33 M USD"


@pytest.mark.parametrize(
    ("through", "message"),
    [
        (0, "from 1 \\(January\\) to 12 \\(December\\), got 0"),
        (13, "got 13"),
        (True, "`through` must be a month 1..12"),
        ("April", "`through` must be a month number 1..12 \\(every year\\)"),
        ("2022-13", "'2022-13' is not a valid month"),
    ],
)
def test_ytd_bad_through(ministry_months, through, message):
    with pytest.raises(ParameterError, match=message):
        ytd(ministry_months, through=through)


def test_ytd_needs_a_monthly_frame(kaz_mng):
    with pytest.raises(ParameterError, match="ytd: the frame is annual"):
        ytd(kaz_mng, through=4)


# --------------------------------------------------------------------------- cagr and index


def test_cagr_hand_computed():
    f = annual([(2015, "MNG", "export", 40 * M), (2020, "MNG", "export", 80 * M)])
    c = unchanged(cagr, f, start=2015, end="2020")
    assert c["years"].iloc[0] == 5.0
    assert c["cagr"].iloc[0] == pytest.approx(2 ** (1 / 5) - 1)
    assert c["note"].iloc[0] == ""


def test_cagr_monthly_and_edge_cases():
    values = {"2020-01": 1 * M, "2021-07": 4 * M}
    c = cagr(monthly(values), start="2020-01", end="2021-07")
    assert c["years"].iloc[0] == 1.5
    assert c["cagr"].iloc[0] == pytest.approx(4 ** (1 / 1.5) - 1)
    zero_end = annual([(2015, "MNG", "export", 40 * M), (2020, "MNG", "export", 0.0)])
    assert cagr(zero_end, start=2015, end=2020)["cagr"].iloc[0] == -1.0
    zero_start = annual([(2015, "MNG", "export", 0.0), (2020, "MNG", "export", 1 * M)])
    row = cagr(zero_start, start=2015, end=2020).iloc[0]
    assert math.isnan(row["cagr"]) and row["low_base"]
    assert row["note"].startswith("start value is zero: CAGR undefined")
    missing = cagr(zero_start, start=2014, end=2020).iloc[0]
    assert missing["note"] == "no value for 2014"


def test_cagr_parameter_errors(kaz_mng):
    with pytest.raises(ParameterError, match=r"`end` \(2020\) must come after `start` \(2021\)"):
        cagr(kaz_mng, start=2021, end=2020)
    with pytest.raises(ParameterError, match="is a month but the frame is annual"):
        cagr(kaz_mng, start="2020-01", end=2021)
    values = {"2020-01": 1 * M, "2021-07": 4 * M}
    with pytest.raises(ParameterError, match="is a year but the frame is monthly"):
        cagr(monthly(values), start=2020, end="2021-07")


def test_index_annual_and_monthly_year_base():
    f = annual([(2019, "MNG", "export", 40 * M), (2020, "MNG", "export", 50 * M)])
    assert unchanged(index, f, base=2019)["index"].tolist() == [100.0, 125.0]
    values = {f"2021-{m:02d}": float(m) for m in range(1, 13)} | {"2022-01": 13.0}
    i = index(monthly(values), base=2021)
    assert i["base_usd"].iloc[0] == pytest.approx(6.5)
    assert i["index"].iloc[-1] == pytest.approx(200.0)
    i_month = index(monthly(values), base="2021-02")
    assert i_month["index"].iloc[3] == pytest.approx(200.0)
    short = {k: v for k, v in values.items() if k != "2021-05"}
    i = index(monthly(short), base="2021")
    assert i["index"].isna().all()
    assert i["note"].iloc[0] == "base year 2021 incomplete: fewer than 12 months"


def test_index_zero_base():
    f = annual([(2019, "MNG", "export", 0.0), (2020, "MNG", "export", 50 * M)])
    i = index(f, base=2019)
    assert i["index"].isna().all()
    assert i["note"].iloc[1] == "base value is zero: index undefined"


# --------------------------------------------------------------------------- structure


@pytest.fixture
def partners():
    return annual(
        [
            (2020, "CHN", "export", 50 * M),
            (2020, "MNG", "export", 10 * M),
            (2020, "RUS", "export", 40 * M),
            (2021, "CHN", "export", 60 * M),
            (2021, "RUS", "export", 50 * M),
            (2021, "TUR", "export", 20 * M),
        ]
    )


def test_shares_hand_computed(partners):
    s = unchanged(shares, partners)
    got = s.set_index(["period", "partner"])["share"]
    assert got[(pd.Period("2020", "Y"), "MNG")] == pytest.approx(0.1)
    assert got[(pd.Period("2021", "Y"), "TUR")] == pytest.approx(20 / 130)
    assert s.groupby("period")["share"].sum().tolist() == pytest.approx([1.0, 1.0])


def test_shares_of_an_aggregate_row(partners):
    world = annual([(2020, "WLD", "export", 200 * M), (2021, "WLD", "export", 260 * M)])
    both = pd.concat([partners, world], ignore_index=True)
    with pytest.raises(DoubleCountingError, match="partner 'WLD' \\(the world total\\)"):
        shares(both)
    s = shares(both, total="WLD")
    assert "WLD" not in set(s["partner"])
    assert s["share"].iloc[0] == pytest.approx(0.25)
    s = shares(pd.concat([partners, world.iloc[[0]]], ignore_index=True), total="WLD")
    assert s.loc[s["period"] == pd.Period("2021", "Y"), "share"].isna().all()
    assert s["note"].iloc[-1] == "no partner 'WLD' row in this group"
    with pytest.raises(ParameterError, match="no row has partner == 'XXX'"):
        shares(both, total="XXX")


def test_contributions_hand_computed_and_sum(partners):
    c = unchanged(contributions, partners)
    c21 = c[c["period"] == pd.Period("2021", "Y")].set_index("partner")
    # total 100 -> 130: +30 pp; CHN +10, MNG -10 (gone), RUS +10, TUR +20 (new)
    assert c21["contribution_pp"].to_dict() == pytest.approx(
        {"CHN": 10.0, "MNG": -10.0, "RUS": 10.0, "TUR": 20.0}
    )
    assert c21["total_growth_pp"].iloc[0] == pytest.approx(30.0)
    assert c21.loc["MNG", "note"] == "no row in 2021: counted as 0"
    assert c21.loc["TUR", "note"] == "no row in 2020: counted as 0"
    c20 = c[c["period"] == pd.Period("2020", "Y")]
    assert c20["contribution_pp"].isna().all() and set(c20["note"]) == {"no data for 2019"}


def test_contributions_by_commodity_refuse_total_row():
    f = make_frame(
        {
            "period": [2020, 2020, 2020, 2021, 2021, 2021],
            "reporter": "KAZ",
            "partner": "WLD",
            "flow": "export",
            "commodity": ["TOTAL", "27", "72"] * 2,
            "value_usd": [10.0, 7.0, 3.0, 12.0, 8.0, 4.0],
            "source": "BNS",
        },
        freq="Y",
    )
    with pytest.raises(DoubleCountingError, match="commodity 'TOTAL' and HS codes such as"):
        contributions(f, component="commodity", total_by=("reporter", "flow", "source"))
    c = contributions(
        f[f["commodity"] != "TOTAL"], component="commodity", total_by=("flow",), low_base=None
    )
    assert c["contribution_pp"].dropna().tolist() == pytest.approx([10.0, 10.0])


def test_top_n_with_explicit_other_row(partners):
    t = unchanged(top_n, partners, n=1)
    t21 = t[t["period"] == pd.Period("2021", "Y")]
    assert t21["partner"].tolist() == ["CHN", "other"]
    assert t21["value_usd"].tolist() == [60 * M, 70 * M]
    assert t21["n_items"].tolist() == [1, 2]
    assert t21["rank"].iloc[0] == 1 and pd.isna(t21["rank"].iloc[1])
    everything = top_n(partners, n=10)
    assert (everything.loc[everything["partner"] == "other", "n_items"] == 0).all()
    fixed = top_n(partners, n=2, rank_period=2021)
    assert fixed[fixed["period"] == pd.Period("2020", "Y")]["partner"].tolist() == [
        "CHN",
        "RUS",
        "other",
    ]
    assert fixed["value_usd"].iloc[2] == 10 * M


def test_top_n_errors(partners):
    with pytest.raises(ParameterError, match="`n` must be a whole number >= 1, got 0"):
        top_n(partners, n=0)
    with pytest.raises(ParameterError, match="already has an item called 'CHN'"):
        top_n(partners, n=1, other="CHN")
    with pytest.raises(ParameterError, match="`rank_period` needs 'period'"):
        top_n(partners, n=1, by=("flow",), rank_period=2021)


def test_hhi_hand_computed(partners):
    h = unchanged(hhi, partners)
    # 2020: shares 50/10/40 -> 2500 + 100 + 1600
    assert h["hhi"].iloc[0] == pytest.approx(4200.0)
    assert h["n_items"].tolist() == [3, 3]
    assert h["equivalent_number"].iloc[0] == pytest.approx(10000 / 4200)
    with pytest.raises(ParameterError, match="hhi: the values must not be negative"):
        hhi(partners.assign(value_usd=-partners["value_usd"]))


# --------------------------------------------------------------------------- double counting


def test_refuses_world_with_countries(partners):
    world = annual([(2020, "WLD", "export", 200 * M)])
    both = pd.concat([partners, world], ignore_index=True)
    with pytest.raises(
        DoubleCountingError,
        match=r"yoy would add up partner 'WLD' \(the world total\) and individual partners "
        r"such as \['CHN', 'MNG', 'RUS'\] in 1 group\(s\), e\.g\. reporter=KAZ, flow=export, "
        r"period=2020; drop the aggregate rows .* or add 'partner' to `by`",
    ):
        yoy(both, by=("reporter", "flow"))
    assert len(yoy(both)) == 7  # partner kept apart: nothing is summed


def test_refuses_nested_commodity_codes():
    f = make_frame(
        {
            "period": 2021,
            "reporter": "KAZ",
            "partner": "WLD",
            "flow": "export",
            "commodity": ["27", "2709", "72"],
            "value_usd": [7.0, 5.0, 3.0],
            "source": "BNS",
        },
        freq="Y",
    )
    with pytest.raises(
        DoubleCountingError, match="HS code '27' and its own sub-code '2709'.*keep one level"
    ):
        turnover(f, by=("period",))
    with pytest.raises(DoubleCountingError, match=r"shares would add up HS code '27'"):
        shares(f, of="commodity", within=("period", "flow"))
    assert len(turnover(f, by=("period", "commodity"))) == 3


def test_refuses_several_sources(kaz_mng):
    other = kaz_mng.assign(source="COMTRADE")
    both = pd.concat([kaz_mng, other], ignore_index=True)
    with pytest.raises(
        DoubleCountingError,
        match=r"rows of several sources \['BNS', 'COMTRADE'\].*filter by source first, "
        r"e\.g\. frame\[frame\['source'\] == 'BNS'\], or add 'source' to `by`",
    ):
        yoy(both, by=("reporter", "partner", "flow"))
    assert len(yoy(both)) == 8


def test_refuses_several_vintages_and_duplicates(kaz_mng):
    v = pd.concat(
        [kaz_mng.assign(vintage="2022-07"), kaz_mng.assign(vintage="2023-07")], ignore_index=True
    )
    with pytest.raises(DoubleCountingError, match="several vintages of the same observation"):
        yoy(v)
    assert len(yoy(v, by=("reporter", "partner", "flow", "commodity", "source", "vintage"))) == 8
    dup = pd.concat([kaz_mng, kaz_mng], ignore_index=True)
    with pytest.raises(DoubleCountingError, match="duplicate rows of the same observation"):
        turnover(dup)


def test_refuses_turnover_rows_summed_with_flows(kaz_mng):
    with pytest.raises(
        DoubleCountingError, match="'turnover'/'balance' rows together with exports and imports"
    ):
        yoy(with_turnover(kaz_mng), by=("reporter", "partner"))


def test_nested_check_allows_same_level_codes():
    f = make_frame(
        {
            "period": 2021,
            "reporter": "KAZ",
            "partner": "WLD",
            "flow": "export",
            "commodity": ["2709", "2710", "7202"],
            "value_usd": [7.0, 5.0, 3.0],
            "source": "BNS",
        },
        freq="Y",
    )
    s = shares(f, of="commodity", within=("period", "flow"))
    assert s["share"].sum() == pytest.approx(1.0)


# --------------------------------------------------------------------------- properties

PARTNERS = ["CHN", "DEU", "MNG", "RUS", "TUR"]
# trade values: zero or at least one dollar (no denormal floats)
value = st.one_of(st.just(0.0), st.floats(min_value=1.0, max_value=1e10))


@st.composite
def partner_frames(draw, years=(2019, 2020, 2021)):
    rows = []
    for year in years:
        chosen = draw(st.lists(st.sampled_from(PARTNERS), min_size=1, max_size=5, unique=True))
        for p in chosen:
            rows.append((year, p, "export", draw(value)))
    return annual(rows)


@PROPERTY
@given(partner_frames())
def test_property_contributions_sum_to_total_growth(frame):
    c = contributions(frame, low_base=None)
    totals = frame.groupby("period")["value_usd"].sum()
    for period, part in c.groupby("period"):
        base = totals.get(period - 1)
        if base is None or base == 0:
            assert part["contribution_pp"].isna().all()
            continue
        expected = 100 * (totals[period] / base - 1)
        assert part["total_growth_pp"].iloc[0] == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert part["contribution_pp"].sum() == pytest.approx(expected, rel=1e-9, abs=1e-6)


@PROPERTY
@given(partner_frames())
def test_property_shares_sum_to_one(frame):
    s = shares(frame)
    for _, part in s.groupby("period"):
        if part["total_usd"].iloc[0] > 0:
            assert part["share"].sum() == pytest.approx(1.0, rel=1e-12)
        else:
            assert part["share"].isna().all()


@PROPERTY
@given(partner_frames())
def test_property_hhi_within_bounds(frame):
    h = hhi(frame)
    finite = h["hhi"].dropna()
    assert ((finite >= 0) & (finite <= 10000 + 1e-6)).all()
    single = frame[frame["partner"] == frame["partner"].iloc[0]]
    hs = hhi(single)
    positive = hs["total_usd"] > 0
    assert hs.loc[positive, "hhi"].tolist() == pytest.approx([10000.0] * int(positive.sum()))


@PROPERTY
@given(
    st.lists(
        st.one_of(st.just(0.0), st.floats(min_value=1.0, max_value=1e9)), min_size=36, max_size=36
    )
)
def test_property_ytd_through_december_equals_annual_yoy(values):
    months = [f"{y}-{m:02d}" for y in (2020, 2021, 2022) for m in range(1, 13)]
    f = monthly(dict(zip(months, values, strict=True)))
    annual_frame = (
        f.assign(period=f["period"].dt.asfreq("Y"))
        .groupby(["period", "reporter", "partner", "flow", "commodity", "source"], observed=True)[
            "value_usd"
        ]
        .sum()
        .reset_index()
    )
    a = yoy(make_frame(annual_frame, freq="Y"))
    d = ytd(f, through=12)
    assert d["period"].tolist() == a["period"].tolist()
    np.testing.assert_allclose(d["value_usd"], a["value_usd"], rtol=1e-12)
    np.testing.assert_allclose(d["growth"], a["growth"], rtol=1e-9, equal_nan=True)
    assert d["low_base"].tolist() == a["low_base"].tolist()


@settings(PROPERTY, max_examples=5)
@given(partner_frames())
def test_property_no_function_mutates_its_input(frame):
    frame = frame.assign(estimated=False)
    before = frame.copy(deep=True)
    with_turnover(frame)
    turnover(frame)
    yoy(frame)
    cagr(frame, start=2019, end=2021)
    index(frame, base=2020)
    shares(frame)
    contributions(frame)
    top_n(frame, n=2)
    hhi(frame)
    pd.testing.assert_frame_equal(frame, before)


# --------------------------------------------------------------------------- plot_trade


def test_plot_trade_draws_exports_imports_turnover(kaz_mng):
    fig, ax = plt.subplots()
    try:
        out = unchanged(plot_trade, kaz_mng, ax=ax)
        assert out is ax
        assert ax.get_ylabel() == "USD millions"
        texts = [t.get_text() for t in ax.get_legend().get_texts()]
        assert texts == ["Exports", "Imports", "Turnover"]
        ys = np.concatenate([line.get_ydata() for line in ax.get_lines()])
        assert np.nanmax(ys) == pytest.approx(57.130458, rel=1e-6)
    finally:
        plt.close(fig)


def test_plot_trade_accepts_wide_and_long_frames(kaz_mng):
    for data in (turnover(kaz_mng), with_turnover(kaz_mng)):
        fig, ax = plt.subplots()
        try:
            plot_trade(data, measures=("turnover", "balance"), units="billions", ax=ax)
            assert ax.get_ylabel() == "USD billions"
            assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Turnover", "Balance"]
        finally:
            plt.close(fig)


def test_plot_trade_needs_one_series_or_a_style(kaz_mng):
    both = pd.concat([kaz_mng, kaz_mng.assign(source="COMTRADE")], ignore_index=True)
    with pytest.raises(
        ParameterError,
        match=r"plot_trade draws one line per measure, but the data holds several source "
        r"values \['BNS', 'COMTRADE'\]; filter to one first, or pass style='source'",
    ):
        plot_trade(both)
    fig, ax = plt.subplots()
    try:
        plot_trade(both, style="source", ax=ax)
        texts = [t.get_text() for t in ax.get_legend().get_texts()]
        assert "BNS" in texts and "COMTRADE" in texts
    finally:
        plt.close(fig)
    with pytest.raises(ParameterError, match="`measures` must be some of"):
        plot_trade(kaz_mng, measures=("surplus",))


# --------------------------------------------------------------------------- bundled data


@pytest.fixture(scope="module")
def partner_annual():
    from kztrade import datasets

    return datasets.load_partner_annual()


def test_real_kaz_mng_turnover_2021_from_bns(partner_annual):
    bns = partner_annual[(partner_annual["partner"] == "MNG") & (partner_annual["source"] == "BNS")]
    t = turnover(bns).set_index("period")
    y2021 = t.loc[pd.Period("2021", "Y")]
    # BNS final data: exports 54.689 M + imports 2.441 M = 57.13 M USD
    assert y2021["export"] / M == pytest.approx(54.689, abs=5e-4)
    assert y2021["import"] / M == pytest.approx(2.441, abs=5e-4)
    assert y2021["turnover"] / M == pytest.approx(57.13, abs=5e-3)
    g = yoy(with_turnover(bns))
    row = g[(g["flow"] == "turnover") & (g["period"] == pd.Period("2021", "Y"))].iloc[0]
    # +94.9 % on 29.31 M USD in 2020
    assert row["base_usd"] / M == pytest.approx(29.31, abs=5e-3)
    assert round(row["growth"], 3) == 0.949
    assert not row["low_base"] and row["note"] == ""


def test_real_sources_overlap_and_are_refused_when_summed(partner_annual):
    kaz_mng = partner_annual[partner_annual["partner"] == "MNG"]
    with pytest.raises(DoubleCountingError, match="rows of several sources"):
        yoy(kaz_mng, by=("reporter", "partner", "flow"))


def test_real_kazakhstan_total_january_april_2022():
    from kztrade import datasets

    total = datasets.load_total_monthly()
    r = ytd(with_turnover(total), through="2022-04").set_index("flow")
    # BNS monthly totals, January-April (thousand USD in the published files):
    # exports 2022 26,545,013 vs 2021 16,550,736; imports 13,696,178 vs 11,675,563
    assert r.loc["export", "value_usd"] / 1e9 == pytest.approx(26.545, abs=5e-4)
    assert r.loc["export", "growth"] == pytest.approx(0.6039, abs=5e-5)
    assert r.loc["import", "growth"] == pytest.approx(0.1731, abs=5e-5)
    assert r.loc["turnover", "value_usd"] / 1e9 == pytest.approx(40.24, abs=5e-3)
    assert r.loc["turnover", "growth"] == pytest.approx(0.4257, abs=5e-5)
    assert (r["months"] == "Jan–Apr").all() and not r["low_base"].any()

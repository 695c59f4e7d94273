import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from kztrade import forecast  # noqa: E402
from kztrade.errors import KztradeError, ParameterError  # noqa: E402
from kztrade.forecast import (  # noqa: E402
    ForecastResult,
    auto_forecast,
    backtest,
    plot_forecast,
    project_full_year,
)

PATTERN = np.array([5.0, 6, 8, 9, 11, 12, 12, 11, 9, 8, 6, 5])


def monthly(values, start="2019-01"):
    return pd.Series(values, index=pd.period_range(start, periods=len(values), freq="M"))


def annual(values, start=2015):
    return pd.Series(values, index=pd.period_range(str(start), periods=len(values), freq="Y"))


def check_intervals(res):
    iv = res.intervals
    assert res.mean.notna().all() and iv.notna().all().all()
    assert (iv["lower_95"] <= iv["lower_80"] + 1e-9).all()
    assert (iv["lower_80"] <= res.mean + 1e-9).all()
    assert (res.mean <= iv["upper_80"] + 1e-9).all()
    assert (iv["upper_80"] <= iv["upper_95"] + 1e-9).all()


@pytest.fixture(scope="module")
def seasonal_trade():
    """Five years of a positive, trending, seasonal monthly series with noise."""
    rng = np.random.default_rng(7)
    t = np.arange(60)
    log_y = 20 + 0.01 * t + 0.15 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.03, 60)
    return monthly(np.exp(log_y))


@pytest.fixture(scope="module")
def seasonal_result(seasonal_trade):
    return auto_forecast(seasonal_trade, horizon=12)


# --- known answers -------------------------------------------------------------------


def test_pure_seasonal_series_repeats_its_pattern():
    y = monthly(np.tile(PATTERN, 4))
    res = auto_forecast(y, horizon=12, origins=2)
    np.testing.assert_allclose(res.mean.to_numpy(), PATTERN, rtol=1e-3)
    table = res.backtest.set_index("candidate")
    # the seasonal naive forecast makes no in-sample error, so MASE has no scale
    assert table["mase"].isna().all()
    assert table.loc["snaive", "note"].startswith(
        "MASE undefined: the series repeats exactly the same seasonal pattern"
    )
    assert table.loc["snaive", "smape"] < 1e-6
    assert table.loc["naive", "smape"] > 10


def test_linear_trend_is_continued():
    y = annual(100.0 + 10 * np.arange(12))
    res = auto_forecast(y, horizon=3, transform=None)
    np.testing.assert_allclose(res.mean.to_numpy(), [220.0, 230.0, 240.0], rtol=1e-3)
    check_intervals(res)


def test_exponential_trend_on_logs_is_continued():
    y = annual(100.0 * 1.1 ** np.arange(12))
    res = auto_forecast(y, horizon=2)
    assert res.transform == "log"
    np.testing.assert_allclose(res.mean.to_numpy(), 100 * 1.1 ** np.array([12, 13]), rtol=1e-3)


def test_constant_series_gives_the_constant():
    y = monthly(np.full(30, 250.0))
    res = auto_forecast(y, horizon=6, origins=2)
    np.testing.assert_allclose(res.mean.to_numpy(), 250.0)
    check_intervals(res)


NO_CHANGE = "MASE undefined: the series does not change over the training window"


@pytest.mark.parametrize(
    "y",
    [annual(np.full(12, 135e6)), monthly(np.full(36, 5e6)), annual(np.full(4, 7.0))],
    ids=["annual", "monthly", "too short for the median"],
)
def test_constant_series_has_no_mase_but_a_forecast(y):
    res = auto_forecast(y, horizon=3)
    table = res.backtest
    backtested = table[table["origins"] > 0]
    assert len(backtested) >= 2
    # MASE divides by the in-sample naive error, which is zero: undefined, not 1e10
    assert table["mase"].isna().all()
    assert backtested["note"].str.startswith(NO_CHANGE).all()
    assert (backtested["interval_scale"] == 1.0).all()
    assert backtested["smape"].notna().all()
    assert table["chosen"].sum() == 1
    np.testing.assert_allclose(res.mean.to_numpy(), y.iloc[0], rtol=1e-9)
    np.testing.assert_allclose(res.intervals.to_numpy(), y.iloc[0], rtol=1e-9)
    assert any("MASE" in note and "sMAPE instead" in note for note in res.notes)
    # an exact forecast with an interval of no width held what happened
    chosen = table[table["chosen"]].iloc[0]
    assert chosen["coverage_80"] == 1.0 and chosen["coverage_95"] == 1.0


def test_constant_series_keeps_the_median_and_its_guard():
    res = auto_forecast(annual(np.full(12, 100.0)), horizon=3)
    table = res.backtest.set_index("candidate")
    assert res.candidate == "median"
    # statsmodels' Theta runs away on a constant (100 forecast as 6,400); kztrade's does not
    assert table.loc["theta", "smape"] < 1e-6
    assert np.isnan(table.loc["theta", "mase"])


def test_guard_compares_smape_when_mase_is_undefined():
    final = dict.fromkeys(["naive", "ets", "theta", "median"])
    table = pd.DataFrame(
        {
            "candidate": list(final),
            "mase": np.nan,
            "smape": [0.0, 1e-13, 190.0, 1e-12],
            "origins": 3,
        }
    )
    assert forecast._choose(table, final) == "median"  # rounding noise is no break-down
    broken = table.assign(smape=[0.0, 1e-13, 190.0, 120.0])
    assert forecast._choose(broken, final) == "naive"


def test_series_flat_over_the_backtest_windows_gets_sensible_intervals():
    y = annual(np.r_[np.full(10, 50.0), 60.0, 70.0])
    res = auto_forecast(y, horizon=3)
    table = res.backtest
    assert table["mase"].isna().all()
    assert table["note"].str.startswith(NO_CHANGE).all()
    # calibrating on windows where every model claimed no spread blew the 95% upper
    # bound up to 1e24 and more; the models' own intervals stay in proportion
    check_intervals(res)
    assert res.intervals["upper_95"].max() < 10 * y.max()
    assert res.intervals["lower_95"].min() > y.min() / 10


def test_origins_without_change_are_left_out_of_mase():
    y = annual(np.r_[np.full(9, 50.0), 55, 60, 58, 63, 70])
    table = auto_forecast(y, horizon=3).backtest
    assert table["mase"].notna().all()
    assert (table["mase"] < 100).all()
    assert (table["note"] == (
        "MASE and interval calibration from 2 of 3 origins; at the other origin the "
        "series does not change over the training window"
    )).all()  # fmt: skip


def test_forecast_reading_of_a_short_constant_series_says_it_was_backtested():
    from kztrade import notebooks

    res = auto_forecast(annual(np.full(4, 7.0)), horizon=3)
    text = notebooks.explain_forecast(res, what="turnover").text
    assert "could be backtested" not in text and "too short" not in text
    assert "fewer could be" in text
    assert "sMAPE instead" in text and text.endswith(".")


def test_forecast_reading_of_a_constant_series_prints_no_nan():
    from kztrade import notebooks

    res = auto_forecast(annual(np.full(26, 135e6), start=2000), horizon=3)
    explained = notebooks.explain_forecast(res, what="turnover")
    shown = [
        explained.text,
        notebooks.backtest_table(res).to_string(),
        notebooks.forecast_table(res).to_string(),
    ]
    for text in shown:
        assert not re.search(r"\bnan\b", text, flags=re.IGNORECASE), text
    assert "sMAPE instead" in explained.text
    assert NO_CHANGE in shown[1]
    figures = {f["name"]: f["value"] for f in explained.figures}
    assert figures["mase"] is None


# --- results object ------------------------------------------------------------------


def test_result_shape_and_index(seasonal_trade, seasonal_result):
    res = seasonal_result
    assert isinstance(res, ForecastResult)
    expected = pd.period_range("2024-01", periods=12, freq="M")
    assert res.mean.index.equals(expected)
    assert res.intervals.index.equals(expected)
    assert list(res.intervals.columns) == ["lower_80", "upper_80", "lower_95", "upper_95"]
    assert res.season_length == 12 and res.transform == "log"
    assert res.levels == (80, 95)
    check_intervals(res)
    assert "Model:" in res.summary() and res.model in repr(res)
    assert list(res.to_frame().columns)[0] == "mean"


def test_backtest_table_reports_every_candidate(seasonal_result):
    table = seasonal_result.backtest
    expected = {
        "naive",
        "snaive",
        "drift",
        "ets",
        "arima",
        "theta",
        "ets+arima+theta",
        "ets+arima",
        "ets+theta",
        "arima+theta",
        "median",
    }
    assert set(table["candidate"]) == expected
    assert table["chosen"].sum() == 1
    chosen = table.loc[table["chosen"]].iloc[0]
    assert chosen["candidate"] == seasonal_result.candidate
    assert chosen["model"] == seasonal_result.model
    # the median combination, unless the guard against broken fits rejects it
    mase = table.set_index("candidate")["mase"]
    expected_choice = "median"
    if mase[expected_choice] > 2.5 * mase.min():
        expected_choice = mase.idxmin()
    assert chosen["candidate"] == expected_choice
    assert table["interval_scale"].gt(0).all()
    assert table[["coverage_80", "coverage_95"]].stack().between(0, 1).all()
    assert (table["coverage_95"] >= table["coverage_80"] - 1e-12).all()
    assert (table["origins"] == 3).all()
    assert set(seasonal_result.forecasts.columns) == expected
    assert set(seasonal_result.candidates) == expected
    chosen_frame = seasonal_result.candidates[seasonal_result.candidate]
    pd.testing.assert_series_equal(chosen_frame["mean"], seasonal_result.mean)
    pd.testing.assert_frame_equal(chosen_frame.drop(columns="mean"), seasonal_result.intervals)


def test_median_combination_is_the_pointwise_median(seasonal_result):
    members = seasonal_result.forecasts[["ets", "arima", "theta", "snaive"]]
    # on logarithms; the median of four is the geometric mean of the middle two
    expected = np.exp(np.median(np.log(members.to_numpy()), axis=1))
    np.testing.assert_allclose(seasonal_result.forecasts["median"].to_numpy(), expected)
    model = seasonal_result.backtest.set_index("candidate").loc["median", "model"]
    assert model.startswith("median(ETS(") and model.endswith(", Theta, SNaive[12])")


def test_median_of_a_non_seasonal_series_uses_the_naive_forecast():
    rng = np.random.default_rng(5)
    y = annual(100 * np.exp(np.cumsum(rng.normal(0.03, 0.05, 14))))
    res = auto_forecast(y, horizon=3)
    model = res.backtest.set_index("candidate").loc["median", "model"]
    assert model.endswith(", Theta, naive)")


def test_interval_scale_pools_backtest_errors_with_a_prior():
    sd = np.full((3, 4), 0.1)
    errors = np.array([[1.0, -1, 1, 1], [1, 1, -1, 1], [0.5, 1, 1, 30]]) * 0.1349
    # median |error / sd| is 1.349 (2 x 0.6745): twice the claimed spread, whatever the
    # outlier; 12 errors pooled on the log scale with a prior of one origin (4) at 1
    scale = forecast._interval_scale(errors, sd)
    assert scale == pytest.approx(2 ** (12 / 16), rel=1e-3)
    assert forecast._interval_scale(errors, np.zeros((3, 4))) == 1.0
    assert forecast._interval_scale(np.zeros((3, 4)), sd) == 1.0


def test_intervals_are_widened_by_the_interval_scale(monkeypatch, seasonal_trade):
    monkeypatch.setattr(forecast, "_interval_scale", lambda errors, sds: 1.0)
    raw = auto_forecast(seasonal_trade, horizon=6, origins=1)
    monkeypatch.setattr(forecast, "_interval_scale", lambda errors, sds: 2.0)
    wide = auto_forecast(seasonal_trade, horizon=6, origins=1)
    pd.testing.assert_series_equal(raw.mean, wide.mean)
    for side in ("lower_95", "upper_80"):
        np.testing.assert_allclose(
            np.log(wide.intervals[side] / wide.mean), 2 * np.log(raw.intervals[side] / raw.mean)
        )
    assert (wide.backtest["interval_scale"] == 2.0).all()


def test_seasonal_series_beats_naive_in_backtest(seasonal_result):
    table = seasonal_result.backtest.set_index("candidate")
    assert table.loc[seasonal_result.candidate, "mase"] < table.loc["naive", "mase"]


def test_backtest_function_matches_auto_forecast(seasonal_trade, seasonal_result):
    table = backtest(seasonal_trade, horizon=12)
    pd.testing.assert_frame_equal(table, seasonal_result.backtest)


def test_input_is_not_mutated(seasonal_trade, seasonal_result):
    before = seasonal_trade.copy()
    auto_forecast(seasonal_trade, horizon=3, origins=1)
    pd.testing.assert_series_equal(seasonal_trade, before)


def test_no_warnings_reach_the_user():
    rng = np.random.default_rng(3)
    y = monthly(np.exp(10 + np.cumsum(rng.normal(0, 0.2, 40))))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        auto_forecast(y, horizon=6, origins=2)


def test_failed_candidate_is_recorded(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("singular matrix")

    monkeypatch.setattr(forecast, "_theta", broken)
    res = auto_forecast(annual(np.arange(1.0, 13.0)), horizon=2)
    row = res.backtest.set_index("candidate").loc["theta"]
    assert row["note"] == "could not be fitted (ValueError: singular matrix)"
    assert np.isnan(row["mase"])
    assert "theta" not in res.forecasts.columns
    assert not res.backtest["candidate"].str.contains("theta+", regex=False).any()


def test_datetime_index_in_datetime_index_out():
    y = pd.Series(
        np.tile(PATTERN, 3) + 100, index=pd.date_range("2020-01-01", periods=36, freq="MS")
    )
    res = auto_forecast(y, horizon=3, origins=1)
    assert isinstance(res.mean.index, pd.DatetimeIndex)
    assert list(res.mean.index) == list(pd.date_range("2023-01-01", periods=3, freq="MS"))


def test_quarterly_season_length_defaults_to_four():
    y = pd.Series(
        np.tile([10.0, 14, 12, 8], 5), index=pd.period_range("2019Q1", periods=20, freq="Q")
    )
    res = auto_forecast(y, horizon=4, origins=1)
    assert res.season_length == 4
    np.testing.assert_allclose(res.mean.to_numpy(), [10.0, 14, 12, 8], rtol=1e-3)


# --- short series, positivity --------------------------------------------------------


def test_short_annual_series_degrades_gracefully():
    # six annual values, like Kazakhstan-Mongolia turnover from one national source
    y = annual([29.3, 57.1, 48.0, 61.5, 70.2, 66.0], start=2020)
    res = auto_forecast(y, horizon=3)
    check_intervals(res)
    assert (res.intervals["lower_95"] > 0).all()
    relative_width = res.intervals["upper_95"] / res.intervals["lower_95"]
    assert relative_width.iloc[-1] > 2  # honest: six points cannot pin down year three
    assert res.season_length == 1 and "snaive" not in set(res.backtest["candidate"])


def test_three_points_are_enough():
    res = auto_forecast(annual([10.0, 12.0, 11.0]), horizon=2)
    assert res.candidate == "naive"
    assert any("too short for a backtest" in note for note in res.notes)
    check_intervals(res)


def test_less_than_two_seasons_fits_no_seasonal_model():
    y = monthly(np.tile(PATTERN, 2)[:20] + 50)
    res = auto_forecast(y, horizon=4, origins=1)
    assert "snaive" not in set(res.backtest["candidate"])
    assert not res.backtest["model"].str.contains(r"\[12\]|,A\)", regex=True).any()
    assert (
        res.notes[0]
        == "20 observations are fewer than two full seasons (24); no seasonal model was fitted"
    )


def test_forecasts_and_lower_bounds_stay_positive():
    rng = np.random.default_rng(11)
    falling = np.exp(np.log(1e6) - 0.25 * np.arange(24) + rng.normal(0, 0.3, 24))
    res = auto_forecast(annual(falling, start=1995), horizon=8)
    assert (res.mean > 0).all()
    assert (res.intervals > 0).all().all()


def test_series_with_zeros_is_clipped_at_zero():
    y = annual([0.0, 3.0, 0.0, 1.0, 0.0, 2.0, 0.0, 0.0, 1.0, 0.0])
    res = auto_forecast(y, horizon=3)
    assert res.transform == "none"
    assert (res.mean >= 0).all() and (res.intervals >= 0).all().all()
    assert any("clipped at 0" in note for note in res.notes)


def test_bias_adjusted_mean_is_above_the_median(seasonal_trade, seasonal_result):
    adjusted = auto_forecast(seasonal_trade, horizon=12, bias_adjust=True)
    assert (adjusted.mean > seasonal_result.mean).all()
    assert (adjusted.mean < seasonal_result.mean * 1.05).all()


# --- validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("y", "kwargs", "message"),
    [
        (
            [1.0, 2.0, 3.0],
            {},
            "y must be a pandas Series indexed by periods, got list; build one with "
            r"pd.Series\(values, index=pd.period_range\(...\)\)",
        ),
        (
            pd.Series([1.0, 2.0, 3.0]),
            {},
            "y must be indexed by a PeriodIndex or a DatetimeIndex with a frequency, got "
            "RangeIndex",
        ),
        (
            monthly(["1", "2", "3"]),
            {},
            r"y must hold numbers, got dtype (object|str); convert it with pd.to_numeric\(y\)",
        ),
        (
            monthly([1.0, 2.0, 3.0, 4.0]).drop(pd.Period("2019-02", "M")),
            {},
            r"y has missing periods inside the series: 2019-02; fill them \(or cut the "
            r"series\) first",
        ),
        (
            monthly([1.0, np.nan, 3.0, 4.0]),
            {},
            "y has missing or infinite values at 2019-02; fill inner gaps",
        ),
        (
            monthly([1.0, -2.0, 3.0, 4.0]),
            {"transform": "log"},
            r"transform='log' needs positive values, but y has 1 value\(s\) <= 0; use "
            "transform=None",
        ),
        (monthly([1.0, 2.0, 3.0, 4.0]), {"horizon": 0}, "horizon must be an integer >= 1, got 0"),
        (
            monthly([1.0, 2.0, 3.0, 4.0]),
            {"horizon": 2.5},
            "horizon must be an integer >= 1, got 2.5",
        ),
        (
            monthly([1.0, 2.0, 3.0, 4.0]),
            {"levels": (80, 120)},
            r"levels must be numbers between 0 and 100 \(exclusive\), e.g. \(80, 95\); got "
            r"\(80, 120\)",
        ),
        (
            monthly([1.0, 2.0, 3.0, 4.0]),
            {"season_length": 0},
            "season_length must be an integer >= 1, got 0",
        ),
        (
            monthly([1.0, 2.0, 3.0, 4.0]),
            {"transform": "sqrt"},
            "transform must be 'auto', 'log' or None, got 'sqrt'",
        ),
        (
            monthly([1.0, 2.0]),
            {},
            r"y has 2 observation\(s\); at least 3 are needed to forecast",
        ),
        (
            pd.Series(
                [1.0, 2.0, 3.0],
                index=pd.PeriodIndex(["2019-01", "2019-01", "2019-02"], freq="M"),
            ),
            {},
            "y has duplicate periods: 2019-01; aggregate or drop them first",
        ),
    ],
)
def test_validation_messages(y, kwargs, message):
    with pytest.raises(ParameterError, match=f"^{message}"):
        auto_forecast(y, **kwargs)


def test_datetime_index_without_frequency_is_rejected():
    index = pd.DatetimeIndex(["2020-01-01", "2020-03-01", "2020-04-01", "2020-09-01"])
    with pytest.raises(ParameterError, match=r"^y has a DatetimeIndex without a frequency"):
        auto_forecast(pd.Series([1.0, 2, 3, 4], index=index))


def test_unknown_frequency_needs_season_length():
    y = pd.Series([1.0, 2, 3, 4, 5], index=pd.period_range("2020-01-06", periods=5, freq="W"))
    with pytest.raises(ParameterError, match="^cannot infer season_length from frequency"):
        auto_forecast(y)
    assert len(auto_forecast(y, horizon=2, season_length=1).mean) == 2


# --- full-year projection ------------------------------------------------------------


def test_projection_of_a_constant_series_is_exact():
    y = monthly(np.full(40, 100.0))  # 2019-01 .. 2022-04
    p = project_full_year(y, 2022)
    assert p.months_observed == 4 and p.last_observed == pd.Period("2022-04", "M")
    assert p.ytd_total == 400.0
    assert p.total == pytest.approx(1200.0)
    assert p.ytd_share == pytest.approx(1 / 3)
    for lower, upper in p.intervals.values():
        assert lower == pytest.approx(1200.0) and upper == pytest.approx(1200.0)
    row = p.to_frame()
    assert list(row.index) == [2022] and row.loc[2022, "lower_95"] == pytest.approx(1200.0)


def test_projection_of_a_complete_year_is_the_observed_total():
    y = monthly(np.arange(1.0, 37.0))  # 2019-01 .. 2021-12
    p = project_full_year(y, 2020)
    assert p.months_observed == 12 and p.forecast is None
    assert p.total == p.ytd_total == float(np.arange(13.0, 25.0).sum())
    assert p.intervals[95] == (p.total, p.total)


def test_projection_as_of_a_past_month(seasonal_trade):
    p = project_full_year(seasonal_trade, 2023, as_of="2023-03")
    assert p.months_observed == 3
    assert p.ytd_total == pytest.approx(seasonal_trade["2023-01":"2023-03"].sum())
    assert len(p.forecast.mean) == 9
    lower, upper = p.intervals[80]
    assert p.intervals[95][0] <= lower <= p.total <= upper <= p.intervals[95][1]
    actual = seasonal_trade.iloc[48:60].sum()
    assert abs(p.total / actual - 1) < 0.05


def test_projection_validation():
    y = monthly(np.full(30, 1.0), start="2019-03")
    with pytest.raises(
        ParameterError,
        match="^y_monthly starts at 2019-03, after 2019-01; the year-to-date total of 2019 "
        "would be incomplete$",
    ):
        project_full_year(y, 2019)
    with pytest.raises(ParameterError, match="^y_monthly must be monthly, got frequency"):
        project_full_year(annual([1.0, 2, 3, 4]), 2019)
    with pytest.raises(ParameterError, match=r"^as_of='2018-01' is before the first month"):
        project_full_year(y, 2020, as_of="2018-01")


def test_projection_on_kazakhstan_monthly_totals():
    datasets = pytest.importorskip("kztrade.datasets")
    try:
        frame = datasets.load_total_monthly()
    except (KztradeError, OSError) as exc:
        pytest.skip(f"bundled monthly totals not available: {exc}")
    exports = frame[frame["flow"] == "export"].set_index("period")["value_usd"].sort_index()
    p = project_full_year(exports, 2025, as_of="2025-04")
    actual = float(exports[exports.index.year == 2025].sum())
    assert p.months_observed == 4
    assert p.ytd_total == pytest.approx(float(exports["2025-01":"2025-04"].sum()))
    assert 0.2 < p.ytd_share < 0.5
    lower, upper = p.intervals[95]
    assert lower < p.total < upper
    assert abs(p.total / actual - 1) < 0.25  # a projection, not a prophecy


# --- plotting ------------------------------------------------------------------------


def test_plot_forecast_draws_a_fan_on_the_current_axes(seasonal_trade, seasonal_result):
    fig, ax = plt.subplots()
    try:
        returned = plot_forecast(seasonal_result, history=seasonal_trade, color="C3")
        assert returned is ax
        assert len(ax.collections) == 2  # the 95% and the 80% band
        labels = [line.get_label() for line in ax.get_lines()]
        assert labels == ["observed", f"forecast: {seasonal_result.model}"]
    finally:
        plt.close(fig)


def test_plot_forecast_rejects_other_objects():
    with pytest.raises(ParameterError, match="^result must be a ForecastResult"):
        plot_forecast(pd.Series([1.0]))


def wide_result(upper_95, *, mean=135e6, lower_95=None, transform="log"):
    """A three-year forecast whose 95% interval reaches ``upper_95``."""
    years = pd.period_range("2026", periods=len(upper_95), freq="Y")
    mean = np.full(len(years), mean)
    upper_95 = np.asarray(upper_95, dtype=float)
    lower_95 = mean * 0.2 if lower_95 is None else np.asarray(lower_95, dtype=float)
    intervals = pd.DataFrame(
        {
            "lower_80": mean - 0.5 * (mean - lower_95),
            "upper_80": mean + 0.5 * (upper_95 - mean),
            "lower_95": lower_95,
            "upper_95": upper_95,
        },
        index=years,
    )
    return ForecastResult(
        mean=pd.Series(mean, index=years, name="mean"), intervals=intervals, model="naive",
        backtest=pd.DataFrame(), forecasts=pd.DataFrame(), candidates={}, candidate="naive",
        transform=transform, season_length=1, levels=(80, 95),
    )  # fmt: skip


MONGOLIA_LIKE = annual([60e6, 95e6, 120e6, 80e6, 140e6, 135e6], start=2020)


def test_fan_chart_cuts_a_far_upper_bound_and_names_it():
    result = wide_result([0.53e9, 0.97e9, 1.51e9])
    before = result.intervals.copy()
    fig, ax = plt.subplots()
    try:
        plot_forecast(result, history=MONGOLIA_LIKE, ax=ax)
        bottom, top = ax.get_ylim()
        # the y-axis ends 1.5 ranges of history and forecast above them, not at 1.5 bn
        assert top == pytest.approx(140e6 + 1.5 * (140e6 - 60e6))
        assert bottom < 27e6  # the lowest bound, 20% of 135 M, stays in view
        (label,) = [text.get_text() for text in ax.texts]
        assert label == (
            "off the chart; in 2028:\n95% upper bound 1.51 bn USD\n80% upper bound 822 M USD"
        )
        # the bands are drawn in full (cut by the view only) and the result is untouched
        reach = max(band.get_paths()[0].vertices[:, 1].max() for band in ax.collections)
        assert reach == pytest.approx(1.51e9)
        pd.testing.assert_frame_equal(result.intervals, before)
    finally:
        plt.close(fig)


def test_fan_chart_shows_everything_when_asked_or_when_it_fits():
    fig, (full, narrow) = plt.subplots(1, 2)
    try:
        plot_forecast(
            wide_result([0.53e9, 0.97e9, 1.51e9]), history=MONGOLIA_LIKE, clip=None, ax=full
        )
        assert full.get_ylim()[1] > 1.51e9 and not full.texts
        plot_forecast(wide_result([150e6, 160e6, 170e6]), history=MONGOLIA_LIKE, ax=narrow)
        assert 170e6 < narrow.get_ylim()[1] < 200e6 and not narrow.texts
    finally:
        plt.close(fig)


def test_fan_chart_cuts_a_far_lower_bound_too():
    result = wide_result([150e6, 160e6, 170e6], lower_95=[100e6, -400e6, -2e9], transform="none")
    fig, ax = plt.subplots()
    try:
        plot_forecast(result, history=MONGOLIA_LIKE, ax=ax)
        assert ax.get_ylim()[0] == pytest.approx(60e6 - 1.5 * (140e6 - 60e6))
        (label,) = [text.get_text() for text in ax.texts]
        assert label.startswith("off the chart; in 2028:\n95% lower bound -2 bn USD\n")
    finally:
        plt.close(fig)


@pytest.mark.parametrize("clip", [0, -1.0, "wide", True])
def test_fan_chart_rejects_a_bad_clip(clip):
    with pytest.raises(ParameterError, match="^clip must be a positive number or None"):
        plot_forecast(wide_result([150e6, 160e6, 170e6]), clip=clip)


def test_mongolia_fan_chart_keeps_the_history_readable():
    from kztrade import datasets, notebooks

    try:
        trade, monthly = datasets.load_partner_annual(), datasets.load_total_monthly()
    except (KztradeError, OSError) as exc:
        pytest.skip(f"bundled data not available: {exc}")
    history, _ = notebooks.forecast_series(
        trade, monthly, series="partner", partner="MNG", flow="turnover",
        sources=["COMTRADE", "BNS"],
    )  # fmt: skip
    result = auto_forecast(history, horizon=3)
    fig, ax = plt.subplots()
    try:
        plot_forecast(result, history=history, ax=ax)
        top = ax.get_ylim()[1]
        highest = result.intervals["upper_95"].max()
        assert top < highest / 2  # the 95% bound would take more than half the height
        assert history.max() / top > 0.3  # the history fills a good part of the chart
        (label,) = [text.get_text() for text in ax.texts]
        period = result.intervals["upper_95"].idxmax()
        assert label.startswith(f"off the chart; in {period}:\n95% upper bound ")
    finally:
        plt.close(fig)

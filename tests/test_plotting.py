"""Charts of kztrade.plotting: drawn where asked, inputs untouched, units on the axes."""

from __future__ import annotations

import copy

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from kztrade import notebooks, plotting
from kztrade.errors import ParameterError
from kztrade.forecast import FullYearProjection
from kztrade.growth import contributions, hhi, top_n
from kztrade.schema import make_frame


@pytest.fixture(scope="module")
def chapters():
    """Exports by HS chapter, 2022–2025, with 2023 left out (a gap in the years)."""
    rows = {
        2022: [30e9, 8e9, 4e9, 1e9],
        2024: [40e9, 10e9, 5e9, 1e9],
        2025: [45e9, 9e9, 6e9, 2e9],
    }
    periods, codes, values = [], [], []
    for year, figures in rows.items():
        for code, value in zip(["27", "26", "72", "10"], figures, strict=True):
            periods.append(year)
            codes.append(code)
            values.append(value)
    return make_frame(
        {
            "period": periods,
            "reporter": "KAZ",
            "partner": "WLD",
            "flow": "export",
            "commodity": codes,
            "value_usd": values,
            "source": "BNS",
        },
        freq="Y",
    )


@pytest.fixture(scope="module")
def by_source():
    """Kazakhstan–Mongolia exports and imports from two sources, 2019–2021."""
    return make_frame(
        {
            "period": [2019, 2019, 2020, 2020, 2021, 2021] * 2,
            "reporter": "KAZ",
            "partner": "MNG",
            "flow": ["export", "import"] * 6,
            "commodity": "TOTAL",
            "source": ["BNS"] * 6 + ["COMTRADE"] * 6,
            "value_usd": [58e6, 2e6, 27e6, 2e6, 54e6, 3e6, 57e6, 2e6, 26e6, 1e6, 50e6, 4e6],
        },
        freq="Y",
    )


@pytest.fixture(scope="module")
def monthly():
    """A monthly series: 2022 and 2023 complete, four months of 2024."""
    index = pd.period_range("2022-01", "2024-04", freq="M")
    return pd.Series(np.linspace(4e9, 6e9, len(index)), index=index)


@pytest.fixture(scope="module")
def projection(monthly):
    ytd = float(monthly["2024"].sum())
    return FullYearProjection(
        year=2024,
        months_observed=4,
        last_observed=pd.Period("2024-04", "M"),
        ytd_total=ytd,
        total=3 * ytd,
        intervals={80: (2.8 * ytd, 3.2 * ytd), 95: (2.6 * ytd, 3.5 * ytd)},
        ytd_share=1 / 3,
        forecast=None,
    )


def _charts(chapters, by_source, monthly, projection):
    """Each chart: (name, call drawing it, its inputs, the axis label naming its unit)."""
    top = top_n(chapters[chapters["period"].dt.year == 2025], n=2, of="commodity")
    concentration = hhi(chapters, of="commodity")
    contribution = contributions(chapters, component="commodity")
    return [
        ("structure", lambda ax: plotting.plot_structure(top, ax=ax), [top], ("x", "%")),
        (
            "concentration",
            lambda ax: plotting.plot_concentration(concentration, ax=ax),
            [concentration],
            ("y", "HHI (0–10,000)"),
        ),
        (
            "contributions",
            lambda ax: plotting.plot_contributions(contribution, period=2025, ax=ax),
            [contribution],
            ("x", "percentage points"),
        ),
        (
            "projection",
            lambda ax: plotting.plot_projection(monthly, projection, ax=ax),
            [monthly, projection],
            ("y", "USD billions"),
        ),
        (
            "trade by source",
            lambda ax: plotting.plot_trade(
                by_source, measures="turnover", hue="source", units="auto", ax=ax
            ),
            [by_source],
            ("y", "USD millions"),
        ),
        (
            "trade",
            lambda ax: plotting.plot_trade(by_source[by_source["source"] == "BNS"], ax=ax),
            [by_source],
            ("y", "USD millions"),
        ),
    ]


CHARTS = ["structure", "concentration", "contributions", "projection", "trade by source", "trade"]


@pytest.fixture
def chart(request, chapters, by_source, monthly, projection):
    found = {c[0]: c for c in _charts(chapters, by_source, monthly, projection)}
    return found[request.param]


def _snapshot(value):
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=True), copy.deepcopy(value.attrs)
    return copy.deepcopy(value), None


def _assert_same(before, value):
    kept, attrs = before
    if isinstance(value, pd.DataFrame):
        pd.testing.assert_frame_equal(value, kept)
        assert value.attrs == attrs
    elif isinstance(value, pd.Series):
        pd.testing.assert_series_equal(value, kept)
        assert value.attrs == attrs
    else:
        assert value == kept


@pytest.mark.parametrize("chart", CHARTS, indirect=True)
def test_chart_draws_on_the_given_axes_and_returns_them(chart):
    _, draw, _, _ = chart
    fig, (left, right) = plt.subplots(1, 2)
    assert draw(right) is right
    assert right.has_data()
    assert not left.has_data()


@pytest.mark.parametrize("chart", CHARTS, indirect=True)
def test_chart_without_axes_draws_on_the_current_ones(chart):
    _, draw, _, _ = chart
    fig, (left, right) = plt.subplots(1, 2)
    plt.sca(left)
    assert draw(None) is left
    assert left.has_data()
    assert not right.has_data()


@pytest.mark.parametrize("chart", CHARTS, indirect=True)
def test_chart_leaves_its_inputs_as_they_were(chart):
    _, draw, inputs, _ = chart
    before = [_snapshot(value) for value in inputs]
    fig, ax = plt.subplots()
    draw(ax)
    for kept, value in zip(before, inputs, strict=True):
        _assert_same(kept, value)


@pytest.mark.parametrize("chart", CHARTS, indirect=True)
def test_chart_names_its_unit_on_an_axis(chart):
    _, draw, _, (axis, unit) = chart
    fig, ax = plt.subplots()
    draw(ax)
    label = ax.get_xlabel() if axis == "x" else ax.get_ylabel()
    assert unit in label


def test_the_notebook_module_names_the_same_charts_not_copies():
    for name in ("plot_structure", "plot_concentration", "plot_contributions"):
        assert getattr(notebooks, name) is getattr(plotting, name)
    assert notebooks.plot_projection is plotting.plot_projection
    assert notebooks.usd_axis is plotting.usd_axis


def test_structure_bars_are_the_shares_largest_first_with_other_last(chapters):
    top = top_n(chapters[chapters["period"].dt.year == 2025], n=2, of="commodity")
    fig, ax = plt.subplots()
    plotting.plot_structure(top, ax=ax)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    widths = [round(float(p.get_width()), 2) for p in ax.patches]
    assert labels[0].startswith("27 ") and labels[-1] == "other (2 chapters)"
    # 45 of 62 billion, 9 of 62, the 8 billion of chapters 72 and 10 together
    assert widths == [round(45 / 62 * 100, 2), round(9 / 62 * 100, 2), round(8 / 62 * 100, 2)]


def test_concentration_leaves_a_missing_year_as_a_gap(chapters):
    fig, ax = plt.subplots()
    plotting.plot_concentration(hhi(chapters, of="commodity"), ax=ax)
    (line,) = ax.get_lines()
    assert list(line.get_xdata()) == [2022, 2023, 2024, 2025]
    assert np.isnan(line.get_ydata()[1])
    assert not np.isnan(line.get_ydata()[[0, 2, 3]]).any()
    assert len(ax.texts) == 3 and all(t.get_text().startswith("≈") for t in ax.texts)


def test_contribution_bars_add_up_to_the_growth_of_the_total(chapters):
    fig, ax = plt.subplots()
    plotting.plot_contributions(
        contributions(chapters, component="commodity"), period=2025, n=2, ax=ax
    )
    widths = [float(p.get_width()) for p in ax.patches]
    # total 56 → 62 billion: +10.71%
    assert sum(widths) == pytest.approx((62 / 56 - 1) * 100)
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "other (2 chapters)"


def test_contributions_of_a_year_without_its_predecessor_say_so(chapters):
    fig, ax = plt.subplots()
    plotting.plot_contributions(contributions(chapters, component="commodity"), period=2024, ax=ax)
    assert not ax.axison
    assert ax.texts[0].get_text() == (
        "No growth figure for 2024: the year before is not in the data"
    )


def test_projection_stacks_published_and_projected_months_under_the_widest_interval(
    monthly, projection
):
    fig, ax = plt.subplots()
    plotting.plot_projection(monthly, projection, ax=ax)
    heights = [b.get_height() for b in ax.patches]
    expected = [monthly["2022"].sum(), monthly["2023"].sum(), projection.ytd_total]
    assert heights[:3] == pytest.approx([v / 1e9 for v in expected])
    assert heights[3] == pytest.approx((projection.total - projection.ytd_total) / 1e9)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["complete years", "published months", "projected", "95% interval"]


def test_trade_by_source_draws_each_sources_turnover_and_names_sources_only(by_source):
    fig, ax = plt.subplots()
    plotting.plot_trade(by_source, measures="turnover", hue="source", units="auto", ax=ax)
    # the data lines, in the order of the sources (the legend draws its own)
    drawn = [line for line in ax.get_lines() if line.get_label().startswith("_")]
    assert len(drawn) == 2
    lines = dict(zip(["BNS", "COMTRADE"], drawn, strict=True))
    assert list(lines["BNS"].get_ydata()) == [60e6, 29e6, 57e6]
    assert list(lines["COMTRADE"].get_ydata()) == [59e6, 27e6, 54e6]
    assert lines["BNS"].get_color() != lines["COMTRADE"].get_color()
    assert lines["BNS"].get_marker() != lines["COMTRADE"].get_marker()
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["BNS", "COMTRADE"]
    assert legend.get_title().get_text() == ""
    assert ax.yaxis.get_major_formatter()(60e6, 0) == "60"


def test_trade_by_colour_draws_one_measure(by_source):
    with pytest.raises(ParameterError, match=r"with `hue`='source' one measure is drawn"):
        plotting.plot_trade(by_source, measures=("export", "import"), hue="source")
    with pytest.raises(ParameterError, match=r"`hue`='vintage' is not a column"):
        plotting.plot_trade(by_source, measures="turnover", hue="vintage")


def test_usd_axis_refuses_a_unit_it_cannot_label():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1e6, 2e6])
    with pytest.raises(ParameterError, match=r"usd_axis: `units` must be 'auto'"):
        plotting.usd_axis(ax, units="units")

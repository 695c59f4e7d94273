"""Tests of kztrade.mirror and kztrade.plotting.plot_mirror."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from kztrade.errors import DoubleCountingError, ParameterError, SchemaError  # noqa: E402
from kztrade.mirror import COLUMNS, COUNTERPARTS, mirror, mirror_by_source  # noqa: E402
from kztrade.plotting import plot_mirror  # noqa: E402
from kztrade.schema import make_frame  # noqa: E402

M = 1e6


def report(reporter, partner, rows, *, source="IMF-DOTS", estimated=None, freq="Y"):
    period, flow, value = zip(*rows, strict=True)
    data = {
        "period": list(period),
        "reporter": reporter,
        "partner": partner,
        "flow": list(flow),
        "commodity": "TOTAL",
        "value_usd": list(value),
        "source": source,
    }
    if estimated is not None:
        data["estimated"] = estimated
    return make_frame(data, freq=freq)


@pytest.fixture
def kaz():
    # Kazakhstan's own report to the IMF DOTS (million USD in the source)
    return report(
        "KAZ",
        "MNG",
        [(2019, "export", 58.246573 * M), (2019, "import", 2.0 * M), (2018, "export", 73.0 * M)],
    )


@pytest.fixture
def mng():
    # Mongolia's report of its trade with Kazakhstan: imports CIF, exports FOB
    return report(
        "MNG",
        "KAZ",
        [(2019, "import", 29.108839 * M), (2019, "export", 6.234626 * M)],
        estimated=[False, True],
    )


def test_mirror_hand_computed_without_adjustment(kaz, mng):
    before = (kaz.copy(deep=True), mng.copy(deep=True))
    m = mirror(kaz, mng)
    pd.testing.assert_frame_equal(kaz, before[0])
    pd.testing.assert_frame_equal(mng, before[1])
    assert list(m.columns) == list(COLUMNS)
    row = m[(m["flow"] == "export") & (m["period"] == pd.Period("2019", "Y"))].iloc[0]
    assert row["direction"] == "KAZ→MNG"
    assert row["partner_flow"] == "import"
    assert row["reporter_usd"] == pytest.approx(58.246573 * M)
    assert row["partner_usd"] == pytest.approx(29.108839 * M)
    assert row["partner_fob_usd"] == row["partner_usd"]
    assert row["discrepancy_usd"] == pytest.approx(29.137734 * M)
    assert row["discrepancy_rel"] == pytest.approx(29.137734 / ((58.246573 + 29.108839) / 2))
    assert row["reporter_source"] == "IMF-DOTS" and row["partner_source"] == "IMF-DOTS"
    assert row["note"] == ""


def test_mirror_cif_fob_adjusts_the_import_side_only(kaz, mng):
    m = mirror(kaz, mng, cif_fob=1.08).set_index(["flow", "period"])
    exp = m.loc[("export", pd.Period("2019", "Y"))]
    assert exp["cif_fob"] == 1.08
    assert exp["reporter_fob_usd"] == pytest.approx(58.246573 * M)
    assert exp["partner_fob_usd"] == pytest.approx(29.108839 * M / 1.08)
    imp = m.loc[("import", pd.Period("2019", "Y"))]
    # the reporter's imports are CIF: they are the side adjusted in this direction
    assert imp["direction"] == "MNG→KAZ"
    assert imp["reporter_fob_usd"] == pytest.approx(2.0 * M / 1.08)
    assert imp["partner_fob_usd"] == pytest.approx(6.234626 * M)
    assert imp["discrepancy_usd"] == pytest.approx(2.0 * M / 1.08 - 6.234626 * M)
    assert bool(imp["partner_estimated"]) is True
    assert imp["note"] == "MNG's figure is an estimate"


def test_mirror_relative_to_choices(kaz, mng):
    for relative_to, denominator in (
        ("partner", 29.108839),
        ("reporter", 58.246573),
        ("mean", (58.246573 + 29.108839) / 2),
    ):
        m = mirror(kaz, mng, relative_to=relative_to)
        got = m[(m["flow"] == "export") & (m["period"] == pd.Period("2019", "Y"))]
        assert got["discrepancy_rel"].iloc[0] == pytest.approx(29.137734 / denominator)


def test_mirror_missing_side_is_nan_with_reason(kaz, mng):
    m = mirror(kaz, mng)
    row = m[m["period"] == pd.Period("2018", "Y")].iloc[0]
    assert math.isnan(row["partner_usd"]) and math.isnan(row["discrepancy_usd"])
    assert row["note"] == "no report by MNG"
    assert pd.isna(row["partner_estimated"]) and pd.isna(row["partner_source"])
    only_partner = mirror(kaz[kaz["flow"] == "export"], mng)
    row = only_partner[only_partner["flow"] == "import"].iloc[0]
    assert math.isnan(row["reporter_usd"])
    assert row["note"] == "no report by KAZ; MNG's figure is an estimate"


def test_mirror_uses_only_pairs_of_the_reporter_frame(kaz, mng):
    chn = report("CHN", "KAZ", [(2019, "import", 9e9)])
    m = mirror(kaz, pd.concat([mng, chn], ignore_index=True))
    assert set(m["partner"]) == {"MNG"}


def test_mirror_drops_world_rows(kaz, mng):
    world = report("KAZ", "WLD", [(2019, "export", 57e9)])
    m = mirror(pd.concat([kaz, world], ignore_index=True), mng)
    assert "WLD" not in set(m["partner"])


def test_mirror_zero_figures():
    a = report("KAZ", "MNG", [(2019, "export", 0.0)])
    b = report("MNG", "KAZ", [(2019, "import", 0.0)])
    row = mirror(a, b).iloc[0]
    assert row["discrepancy_usd"] == 0.0 and math.isnan(row["discrepancy_rel"])
    assert row["note"] == "both figures are zero: relative discrepancy undefined"


def test_mirror_monthly():
    a = report("KAZ", "MNG", [("2022-01", "export", 5 * M)], freq="M", source="BNS")
    b = report("MNG", "KAZ", [("2022-01", "import", 4 * M)], freq="M", source="NSO-MN")
    row = mirror(a, b).iloc[0]
    assert row["period"] == pd.Period("2022-01", "M")
    assert row["discrepancy_usd"] == 1 * M


def test_mirror_refuses_several_sources(kaz, mng):
    both = pd.concat([kaz, kaz.assign(source="BNS")], ignore_index=True)
    with pytest.raises(
        DoubleCountingError,
        match=r"frame_reporter holds the same figure from several sources \['BNS', 'IMF-DOTS'\]; "
        r"filter by source first, e\.g\. frame_reporter\[frame_reporter\['source'\] == 'BNS'\]",
    ):
        mirror(both, mng)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cif_fob": 0.9}, "`cif_fob` must be >= 1"),
        ({"cif_fob": float("nan")}, "`cif_fob` must be >= 1"),
        ({"cif_fob": "1.08"}, "`cif_fob` must be a number such as 1.08, got '1.08'"),
        ({"relative_to": "median"}, "`relative_to` must be 'mean', 'partner' or 'reporter'"),
    ],
)
def test_mirror_parameter_errors(kaz, mng, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        mirror(kaz, mng, **kwargs)


def test_mirror_frequency_and_schema_errors(kaz):
    monthly = report("MNG", "KAZ", [("2019-01", "import", 1.0)], freq="M")
    with pytest.raises(ParameterError, match="frame_reporter is 'Y' and frame_partner 'M'"):
        mirror(kaz, monthly)
    with pytest.raises(SchemaError, match="frame_partner: missing column"):
        mirror(kaz, pd.DataFrame({"period": [2019]}))


def test_plot_mirror_draws_both_reports(kaz, mng):
    fig, ax = plt.subplots()
    try:
        out = plot_mirror(mirror(kaz, mng, cif_fob=1.06), ax=ax)
        assert out is ax
        assert ax.get_ylabel() == "USD millions (imports ÷ 1.06, FOB)"
        texts = [t.get_text() for t in ax.get_legend().get_texts()]
        assert texts == ["Report", "KAZ reports", "MNG reports", "Direction", "KAZ→MNG", "MNG→KAZ"]
        ys = np.concatenate([line.get_ydata() for line in ax.get_lines()])
        assert np.nanmax(ys) == pytest.approx(73.0)
    finally:
        plt.close(fig)


def test_plot_mirror_one_direction_and_errors(kaz, mng):
    fig, ax = plt.subplots()
    try:
        plot_mirror(mirror(kaz, mng), flow="export", units="thousands", ax=ax)
        assert ax.get_ylabel() == "USD thousands"
    finally:
        plt.close(fig)
    with pytest.raises(ParameterError, match="pass the frame returned by kztrade.mirror.mirror"):
        plot_mirror(kaz)
    with pytest.raises(ParameterError, match="`flow` must be 'export', 'import' or None"):
        plot_mirror(mirror(kaz, mng), flow="turnover")
    with pytest.raises(ParameterError, match="`units` must be one of"):
        plot_mirror(mirror(kaz, mng), units="lakhs")


# --------------------------------------------------------------------------- by source


@pytest.fixture
def kaz_sources():
    # Kazakhstan's imports from Mongolia in three sources, overlapping in 2020
    return pd.concat(
        [
            report(
                "KAZ",
                "MNG",
                [(2019, "import", 1.75 * M), (2020, "import", 1.80 * M)],
                source="COMTRADE",
            ),
            report(
                "KAZ",
                "MNG",
                [
                    (2020, "import", 1.87 * M),
                    (2021, "import", 2.44 * M),
                    (2021, "export", 54.7 * M),
                ],
                source="BNS",
            ),
            report("KAZ", "MNG", [(2019, "import", 1.7 * M), (2019, "export", 58.2 * M)]),
        ],
        ignore_index=True,
    )


@pytest.fixture
def mng_sources():
    return pd.concat(
        [
            report(
                "MNG",
                "KAZ",
                [
                    (2019, "export", 6.23 * M),
                    (2020, "export", 1.39 * M),
                    (2021, "export", 2.17 * M),
                    (2022, "export", 7.8 * M),
                ],
                source="NSO-MN",
            ),
            report("MNG", "KAZ", [(2019, "import", 29.1 * M), (2019, "export", 6.2 * M)]),
        ],
        ignore_index=True,
    )


def test_mirror_by_source_pairs_each_partner_source_with_its_counterpart(kaz_sources, mng_sources):
    before = (kaz_sources.copy(), mng_sources.copy())
    m = mirror_by_source(kaz_sources, mng_sources, cif_fob=1.06)
    pd.testing.assert_frame_equal(kaz_sources, before[0])
    pd.testing.assert_frame_equal(mng_sources, before[1])
    assert m.columns.tolist() == ["comparison", *COLUMNS]
    dots = m[m["comparison"] == "IMF-DOTS"].set_index(["flow", "period"])
    assert set(dots["reporter_source"]) == {"IMF-DOTS"}
    assert dots.loc[("export", pd.Period("2019", "Y")), "partner_usd"] == 29.1 * M
    nso = m[m["comparison"] == "NSO-MN"]
    # only the flow NSO-MN publishes (Mongolia's exports), BNS where it has the year
    assert nso["direction"].unique().tolist() == ["MNG→KAZ"]
    assert nso["period"].astype(str).tolist() == ["2019", "2020", "2021", "2022"]
    sources = nso["reporter_source"].astype(object).where(nso["reporter_source"].notna(), None)
    assert sources.tolist() == ["COMTRADE", "BNS", "BNS", None]
    # one figure a side, never added: 2020 is BNS's 1.87, not 1.87 + 1.80
    row = nso[nso["period"] == pd.Period("2020", "Y")].iloc[0]
    assert row["reporter_usd"] == 1.87 * M
    assert row["reporter_fob_usd"] == pytest.approx(1.87 * M / 1.06)
    assert row["discrepancy_usd"] == pytest.approx(1.87 * M / 1.06 - 1.39 * M)
    assert nso["note"].iloc[3] == "no report by KAZ"


def test_mirror_by_source_with_dots_only_is_mirror(kaz, mng):
    m = mirror_by_source(kaz, mng, cif_fob=1.06)
    pd.testing.assert_frame_equal(m.drop(columns="comparison"), mirror(kaz, mng, cif_fob=1.06))
    assert set(m["comparison"]) == {"IMF-DOTS"}


def test_mirror_by_source_unknown_source(kaz, mng):
    with pytest.raises(ParameterError, match=r"holds \['PRESS'\], which have no counterpart"):
        mirror_by_source(kaz, mng.assign(source="PRESS"))
    m = mirror_by_source(kaz, mng.assign(source="PRESS"), counterparts={"PRESS": ("IMF-DOTS",)})
    assert set(m["comparison"]) == {"PRESS"}
    assert "NSO-MN" in COUNTERPARTS


# --------------------------------------------------------------------------- bundled data


@pytest.fixture(scope="module")
def bundled():
    from kztrade import datasets

    return datasets.load_partner_annual(), datasets.load_mirror_annual()


def test_real_mirror_kaz_mng_2019_imf_dots(bundled):
    partner_annual, mirror_annual = bundled
    kaz = partner_annual[
        (partner_annual["source"] == "IMF-DOTS") & (partner_annual["partner"] == "MNG")
    ]
    mng = mirror_annual[
        (mirror_annual["source"] == "IMF-DOTS") & (mirror_annual["reporter"] == "MNG")
    ]
    m = mirror(kaz, mng).set_index(["flow", "period"])
    exports = m.loc[("export", pd.Period("2019", "Y"))]
    # Kazakhstan reports 58.25 M USD of exports to Mongolia; Mongolia 29.11 M of imports (CIF)
    assert exports["reporter_usd"] / M == pytest.approx(58.246573, abs=1e-6)
    assert exports["partner_usd"] / M == pytest.approx(29.108839, abs=1e-6)
    assert exports["discrepancy_usd"] / M == pytest.approx(29.137734, abs=1e-6)
    imports = m.loc[("import", pd.Period("2019", "Y"))]
    assert imports["partner_usd"] / M == pytest.approx(6.234626, abs=1e-6)
    assert imports["direction"] == "MNG→KAZ"


def test_real_mirror_bns_against_mongolia_nso(bundled):
    partner_annual, mirror_annual = bundled
    kaz = partner_annual[(partner_annual["source"] == "BNS") & (partner_annual["partner"] == "MNG")]
    mng = mirror_annual[(mirror_annual["source"] == "NSO-MN")]
    m = mirror(kaz[kaz["flow"] == "import"], mng)
    row = m[m["period"] == pd.Period("2021", "Y")].iloc[0]
    # Kazakhstan's imports from Mongolia (BNS, CIF) vs Mongolia's exports to Kazakhstan (NSO)
    assert row["reporter_usd"] / M == pytest.approx(2.441476, abs=1e-6)
    assert row["partner_usd"] / M == pytest.approx(2.1741, abs=1e-6)
    assert row["reporter_source"] == "BNS" and row["partner_source"] == "NSO-MN"


def test_real_mirror_by_source_mongolia_reaches_2024(bundled):
    partner_annual, mirror_annual = bundled
    kaz = partner_annual[partner_annual["partner"] == "MNG"]
    mng = mirror_annual[(mirror_annual["reporter"] == "MNG") & (mirror_annual["partner"] == "KAZ")]
    m = mirror_by_source(kaz, mng, cif_fob=1.06)
    nso = m[m["comparison"] == "NSO-MN"].set_index("period")
    last = nso.loc[pd.Period("2024", "Y")]
    # Kazakhstan's imports from Mongolia (BNS, 3.81 M CIF) vs Mongolia's exports (6.80 M)
    assert (last["reporter_source"], last["partner_source"]) == ("BNS", "NSO-MN")
    assert last["reporter_usd"] / M == pytest.approx(3.8074419, abs=1e-6)
    assert last["partner_usd"] / M == pytest.approx(6.80209, abs=1e-6)
    assert nso.loc[pd.Period("2019", "Y"), "reporter_source"] == "COMTRADE"
    assert nso["partner_source"].eq("NSO-MN").all()
    assert m.loc[m["comparison"] == "IMF-DOTS", "period"].max() == pd.Period("2020", "Y")

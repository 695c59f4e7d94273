import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kztrade.cleaning import (
    check_scale,
    cumulate,
    decumulate,
    detect_cumulative,
    drop_aggregates,
    find_duplicates,
    find_gaps,
    is_aggregate,
    normalize_hs,
    parse_figure,
    parse_number,
    scale_to_usd,
    to_iso3,
    unit_scale,
)
from kztrade.errors import KztradeWarning, ParseError, UnitsError, UnknownCountryError
from kztrade.schema import make_frame


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("60,9", 60.9),
        ("60.9", 60.9),
        ("1 234,5", 1234.5),
        ("1\u00a0234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1.234,5", 1234.5),
        ("1,234,567", 1234567.0),
        ("(+48,1%)", 0.481),
        ("−50,3%", -0.503),
        ("-50.3 %", -0.503),
        ("+118%", 1.18),
        ("466 thousand", 466_000.0),
        ("466 thousand USD", 466_000.0),
        ("30.4 million USD", 30_400_000.0),
        ("30,4 million", 30_400_000.0),
        ("$1.2 bn", 1_200_000_000.0),
        ("USD 60.9 million", 60_900_000.0),
        ("60,9 млн долларов США", 60_900_000.0),
        ("466 тыс. долларов США", 466_000.0),
        ("2,5 млрд", 2_500_000_000.0),
        ("0,466", 0.466),
        ("57", 57.0),
    ],
)
def test_parse_number_as_published(text, value):
    assert parse_number(text) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text", ["1,234", "1.234", "30,400 million"])
def test_ambiguous_numbers_raise(text):
    with pytest.raises(ParseError, match="ambiguous number"):
        parse_number(text)


def test_caller_can_state_the_decimal_mark():
    assert parse_number("1,234", decimal=",") == 1.234
    assert parse_number("1,234", decimal=".") == 1234.0


@pytest.mark.parametrize("text", ["", "about sixty", "12 apples", "1.2.3,4,5", "5% million"])
def test_unreadable_numbers_raise(text):
    with pytest.raises(ParseError):
        parse_number(text)


def test_parse_figure_keeps_precision():
    fig = parse_figure("30,4 million USD")
    assert fig.decimals == 1 and fig.scale == 1e6 and fig.currency and not fig.percent


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_parse_number_roundtrips_decimal_comma(whole, cents):
    grouped = f"{whole:,}".replace(",", " ")
    text = f"{grouped},{cents:02d}"
    assert parse_number(text) == pytest.approx(whole + cents / 100, rel=1e-12)


@given(st.floats(min_value=-1e3, max_value=1e3, allow_nan=False).map(lambda x: round(x, 1)))
def test_percentages_become_fractions(x):
    text = f"{x:+.1f}%".replace(".", ",")
    assert parse_number(text) == pytest.approx(x / 100, abs=1e-12)


def test_units_are_stated_not_inferred():
    assert unit_scale("US Dollars, Millions") == 1e6
    assert scale_to_usd(pd.Series([1.5]), units="thousand USD").tolist() == [1500.0]
    with pytest.raises(UnitsError, match="unknown units 'kilotonnes'"):
        scale_to_usd(1.0, units="kilotonnes")
    with pytest.raises(UnitsError, match="units must be stated"):
        unit_scale(None)


def test_check_scale_detects_thousands_vs_units():
    ref = [60.32e9, 41.42e9]
    assert check_scale([60.32e9, 41.42e9], ref) == pytest.approx(1.0)
    with pytest.raises(UnitsError, match="about 1000 times smaller"):
        check_scale([60.32e6, 41.42e6], ref, what="partner sums")
    with pytest.raises(UnitsError, match="not a units mismatch"):
        check_scale([30e9, 20e9], ref)


def test_countries_in_every_spelling():
    names = ["Kazakhstan, Rep. of", "Монголия", "China, P.R.: Mainland", "NA", "Namibia", "World"]
    assert to_iso3(names) == ["KAZ", "MNG", "CHN", "NAM", "NAM", "WLD"]
    assert to_iso3(["Россия", "Кыргызстан"]) == ["RUS", "KGZ"]
    assert to_iso3(["Yugoslavia", "Czechoslovakia"]) == ["YUG", "CSK"]


def test_unknown_countries_are_all_listed():
    with pytest.raises(UnknownCountryError, match="2 country name.*'Atlantis', 'Narnia'") as info:
        to_iso3(["Atlantis", "Mongolia", "Narnia", "Atlantis"], path="x.csv")
    assert info.value.names == ["Atlantis", "Narnia"]
    assert str(info.value).startswith("x.csv: ")


def test_extra_names_are_used_first():
    assert to_iso3(["Atlantis"], extra_names={"atlantis": "ATL"}) == ["ATL"]


def test_hs_codes():
    with pytest.warns(KztradeWarning, match="3 HS code"):
        codes = normalize_hs([101, "101", "HS27", "2709", 27, 10121, "total"])
    assert codes == [
        "0101",
        "0101",
        "27",
        "2709",
        "27",
        "010121",
        "TOTAL",
    ]
    with pytest.raises(
        ParseError, match=r"file.csv, column 'cmd': invalid HS code\(s\) \['12345678901', 'ab'\]"
    ):
        normalize_hs(["12345678901", "ab", "01"], path="file.csv", column="cmd")


@given(st.integers(min_value=1, max_value=99999))
def test_hs_codes_keep_digits(code):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (out,) = normalize_hs([code])
    assert len(out) % 2 == 0 and int(out) == code
    # A restored leading zero is said, never done silently.
    restored = [w for w in caught if issubclass(w.category, KztradeWarning)]
    assert len(restored) == len(str(code)) % 2


def frame(commodities, partners=("MNG",), values=None):
    rows = [
        {
            "period": 2021,
            "reporter": "KAZ",
            "partner": p,
            "flow": "export",
            "commodity": c,
            "value_usd": 1.0,
            "source": "X",
        }
        for p in partners
        for c in commodities
    ]
    return make_frame(rows, freq="Y")


def test_aggregates_are_identified_and_dropped():
    f = frame(["TOTAL", "27", "2709", "2710", "72"], partners=("MNG", "WLD"))
    flags = is_aggregate(f)
    kept = drop_aggregates(f)
    assert sorted(kept["commodity"]) == ["2709", "2710", "72"]
    assert set(kept["partner"]) == {"MNG"}
    assert flags.sum() == len(f) - 3
    assert len(f) == 10  # input untouched


def series(values, start="2021-01"):
    idx = pd.period_range(start, periods=len(values), freq="M")
    return pd.Series(values, index=idx, dtype="float64")


def test_cumulative_detection_both_ways_and_refusal():
    monthly = series([5, 7, 6, 8, 7, 9, 6, 8, 7, 9, 8, 10] * 2)
    assert detect_cumulative(monthly) == "monthly"
    assert detect_cumulative(cumulate(monthly)) == "cumulative"
    with pytest.raises(UnitsError, match="cannot tell .* kind='monthly' or kind='cumulative'"):
        detect_cumulative(series([1, 2, 3]))


def test_decumulate_rejects_falls_and_marks_gaps():
    with pytest.raises(UnitsError, match=r"fall in \['2021-03'\]"):
        decumulate(series([10, 20, 15]))
    gappy = series([10.0, 20.0, 30.0, 45.0]).drop(pd.Period("2021-02", "M"))
    out = decumulate(gappy)
    assert out.iloc[0] == 10.0 and math.isnan(out.iloc[1]) and out.iloc[2] == 15.0


@given(st.lists(st.floats(min_value=0, max_value=1e12, allow_nan=False), min_size=1, max_size=30))
def test_decumulate_inverts_cumulate(values):
    s = series(values)
    np.testing.assert_allclose(decumulate(cumulate(s)), s, rtol=1e-9, atol=1e-3)


def test_duplicates_and_gaps_are_explicit():
    f = make_frame(
        [
            {
                "period": y,
                "reporter": "KAZ",
                "partner": "MNG",
                "flow": "export",
                "commodity": "TOTAL",
                "value_usd": 1.0,
                "source": "X",
            }
            for y in (2018, 2019, 2022)
        ],
        freq="Y",
    )
    assert find_gaps(f)["period"].astype(str).tolist() == ["2020", "2021"]
    assert find_gaps(f.iloc[:2]).empty
    assert len(find_duplicates(pd.concat([f, f.iloc[:1]]))) == 2


# --------------------------------------------------------------------------- bad input


def test_ambiguous_country_names_are_refused_with_both_codes():
    from kztrade.cleaning import to_iso3
    from kztrade.errors import UnknownCountryError

    with pytest.raises(UnknownCountryError, match=r"'Korea' could be KOR or PRK"):
        to_iso3(["Korea", "Mongolia"])
    with pytest.raises(UnknownCountryError, match=r"'Congo' could be COG or COD"):
        to_iso3(["Congo"])
    assert to_iso3(["Korea", "Congo"], extra_names={"Korea": "PRK", "Congo": "COD"}) == [
        "PRK",
        "COD",
    ]
    assert to_iso3(["Korea, Rep.", "Congo, Dem. Rep."]) == ["KOR", "COD"]


def test_excel_damaged_hs_codes():
    from kztrade.cleaning import normalize_hs
    from kztrade.errors import KztradeWarning, ParseError

    with pytest.warns(KztradeWarning, match=r"'8471.0' → '8471'"):
        assert normalize_hs(["8471.0", "2709"]) == ["8471", "2709"]
    with pytest.raises(ParseError, match=r"\['1.01E\+05'\] are in Excel's scientific format"):
        normalize_hs(["1.01E+05", "0101"], path="t.csv")


def test_numbers_too_large_for_a_float_are_refused():
    from kztrade.errors import ParseError

    with pytest.raises(ParseError, match="too large"):
        parse_number("9" * 400)
    assert parse_number("9" * 300) == pytest.approx(1e300)


def test_one_rule_for_aggregates_beside_parts():
    from kztrade.cleaning import aggregates_beside_parts

    f = pd.DataFrame(
        {"g": ["a", "a", "a", "b", "b"], "partner": ["WLD", "MNG", "CHN", "WLD", "WLD"]}
    )
    found = aggregates_beside_parts(f, of="partner", within=["g"])
    # In group b the world total has no parts beside it: nothing to double count.
    assert found.aggregate.tolist() == [True, False, False, False, False]
    assert found.part.tolist() == [False, True, True, False, False]
    assert found.pair == ("WLD", "MNG")
    codes = pd.DataFrame({"commodity": ["27", "2709", "270900", "72"]})
    nested = aggregates_beside_parts(codes, of="commodity", within=[])
    assert nested.aggregate.tolist() == [True, True, False, False]
    assert nested.pair == ("27", "2709")

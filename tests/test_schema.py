import pandas as pd
import pytest

from kztrade.errors import SchemaError
from kztrade.schema import COLUMNS, frequency, make_frame, validate


def row(**changes):
    base = {
        "period": "2021",
        "reporter": "KAZ",
        "partner": "MNG",
        "flow": "export",
        "commodity": "TOTAL",
        "value_usd": 1.0,
        "source": "BNS",
    }
    base.update(changes)
    return base


def test_make_frame_dtypes_and_order():
    f = make_frame([row(), row(flow="import", value_usd=2)], freq="Y")
    assert tuple(f.columns) == COLUMNS
    assert isinstance(f["period"].dtype, pd.PeriodDtype)
    assert f["value_usd"].dtype == "float64"
    assert list(f["flow"].cat.categories) == ["export", "import"]
    assert frequency(f) == "Y"


def test_namibia_is_a_code_not_missing():
    f = make_frame([row(partner="NAM")], freq="Y")
    assert f["partner"].iloc[0] == "NAM"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"reporter": "Kazakhstan"},
            r"column 'reporter' must hold an ISO 3166 alpha-3 code.*row 0",
        ),
        ({"partner": "mn"}, r"column 'partner' must hold"),
        ({"commodity": "101"}, r"column 'commodity' must hold an HS code"),
        ({"value_usd": -5.0}, r"negative trade values: row 0: -5.0"),
        ({"value_usd": float("nan")}, r"missing or infinite values .* drop unknown observations"),
        ({"source": ""}, r"column 'source' must name the source"),
    ],
)
def test_validate_names_column_and_row(change, message):
    frame = make_frame([row()], freq="Y")
    for key, value in change.items():
        frame[key] = pd.Series([value], dtype=object) if key != "value_usd" else value
    with pytest.raises(SchemaError, match=message):
        validate(frame, name="frame")


def test_bad_flow_is_rejected():
    with pytest.raises(SchemaError, match="column 'flow' must be 'export' or 'import'"):
        make_frame([row(flow="re-export")], freq="Y")


def test_duplicates_are_rejected_with_the_key():
    with pytest.raises(SchemaError, match=r"2 rows share the same \['period', 'reporter'"):
        make_frame([row(), row()], freq="Y")


def test_vintage_tells_duplicates_apart():
    f = make_frame([row(vintage="2022-05"), row(vintage="2022-07", value_usd=2.0)], freq="Y")
    assert len(f) == 2


def test_missing_columns_are_listed():
    with pytest.raises(SchemaError, match=r"missing column\(s\) \['partner'"):
        validate(pd.DataFrame({"period": pd.PeriodIndex(["2021"], freq="Y"), "reporter": ["KAZ"]}))


def test_period_must_be_a_period():
    frame = make_frame([row()], freq="Y")
    frame["period"] = "2021"
    with pytest.raises(SchemaError, match="column 'period' has dtype .* expected pandas Period"):
        validate(frame)


def test_other_frequencies_are_rejected():
    frame = make_frame([row()], freq="Y")
    frame["period"] = pd.PeriodIndex(["2021Q1"], freq="Q")
    with pytest.raises(SchemaError, match="annual .* or monthly"):
        validate(frame)


def test_make_frame_does_not_mutate_input():
    data = pd.DataFrame([row()])
    before = data.copy()
    make_frame(data, freq="Y")
    pd.testing.assert_frame_equal(data, before)

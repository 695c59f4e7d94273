"""Property-based tests: arbitrary input gets a kztrade error or a result that keeps its promises.

The number and unit parsers take arbitrary text; every public function of
:mod:`kztrade.growth` takes small, arbitrary, tidy-ish frames (valid ones, and ones with
aggregates, duplicates, negative or missing values, columns missing or of the wrong type).
Each either returns or raises a :class:`~kztrade.errors.KztradeError`; nothing else escapes,
the input is never changed, and where a result comes back its invariants hold.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from kztrade import growth
from kztrade.cleaning import (
    UNIT_SCALES,
    aggregates_beside_parts,
    drop_aggregates,
    is_aggregate,
    parse_figure,
    parse_number,
    unit_scale,
)
from kztrade.errors import DoubleCountingError, KztradeError
from kztrade.schema import make_frame, validate

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)

# --------------------------------------------------------------------------- text

# Text that looks like published figures more often than uniform noise would.
_PIECES = st.sampled_from(
    [
        "0", "1", "7", "12", "345", "1 234", "1,234", "1.234", "1\u00a0234", "1\u202f234",
        "1'234", ",", ".", " ", "-", "−", "+", "%", "(", ")", "e", "E", "*", "млн", "тыс.",
        "million", "bn", "USD", "$", "долларов США", "..", "x", "9" * 40, "9" * 320,
        "1e300", "∞", "nan",
    ]
)  # fmt: skip
_TEXT = st.one_of(st.text(max_size=30), st.lists(_PIECES, max_size=6).map("".join))


@SETTINGS
@given(text=_TEXT, decimal=st.sampled_from([None, ",", ".", ";", ""]))
def test_parse_number_returns_a_finite_float_or_a_kztrade_error(text, decimal):
    try:
        value = parse_number(text, decimal=decimal)
    except KztradeError:
        return
    assert isinstance(value, float) and math.isfinite(value)


@SETTINGS
@given(text=_TEXT)
def test_parse_figure_keeps_its_promises(text):
    try:
        figure = parse_figure(text)
    except KztradeError:
        return
    assert math.isfinite(figure.value)
    assert figure.decimals >= 0
    assert figure.scale in {1.0, 1e3, 1e6, 1e9}
    assert not (figure.percent and figure.scale != 1.0)


@SETTINGS
@given(
    units=st.one_of(
        st.text(max_size=25),
        st.sampled_from([*UNIT_SCALES, "US Dollars, Millions", "тыс. долларов США", " usd "]),
        st.none(),
        st.integers(),
        st.floats(),
    )
)
def test_unit_scale_is_a_known_factor_or_a_units_error(units):
    try:
        factor = unit_scale(units)
    except KztradeError:
        return
    assert factor in set(UNIT_SCALES.values())


@SETTINGS
@given(
    whole=st.integers(min_value=0, max_value=10**12),
    cents=st.integers(min_value=0, max_value=99),
    style=st.sampled_from(
        [(",", "."), (".", ","), (" ", ","), ("\u00a0", ","), ("\u202f", ","), ("'", ".")]
    ),
    negative=st.booleans(),
)
def test_separators_of_every_kind_read_back_exactly(whole, cents, style, negative):
    thousands, mark = style
    digits = f"{whole:,}".replace(",", thousands)
    text = ("-" if negative else "") + f"{digits}{mark}{cents:02d}"
    expected = (-1 if negative else 1) * (whole + cents / 100)
    assert parse_number(text, decimal=mark) == pytest.approx(expected, rel=1e-15)
    if whole >= 1000 or len(digits) <= 3:
        # Without the decimal mark stated, a number with both marks, or with two decimals
        # after a short integer part, is unambiguous.
        assert parse_number(text) == pytest.approx(expected, rel=1e-15)


_CELL = st.tuples(
    # whole part: below 1000, one thousands group ('27.433'), or several
    st.one_of(st.integers(0, 999), st.integers(1000, 999_999), st.integers(10**6, 10**9)),
    st.one_of(st.sampled_from(["", "5", "25", "433"]), st.text("0123456789", max_size=5)),
    st.booleans(),  # written with thousands separators
)


@settings(SETTINGS, max_examples=150)
# '1.234.567,5', '12,5', '1.234', '2.500': the last two are 1234 and 2500, not 1.234 and 2.5.
@example(
    cells=[(1234567, "5", True), (12, "5", False), (1234, "", True), (2500, "", True)],
    style=(".", ","),
)
# '12.5' shows that '1,234' is 1234.
@example(cells=[(12, "5", False), (1234, "", True)], style=(",", "."))
@given(
    cells=st.lists(_CELL, min_size=1, max_size=8),
    style=st.sampled_from([(".", ","), (" ", ","), (",", "."), (" ", ".")]),
)
def test_a_column_in_one_style_reads_back_exactly_or_is_refused_as_ambiguous(cells, style):
    # Whole numbers written with thousands dots only ('27.433') beside decimal commas, and
    # thousands commas ('1,234') beside plain decimal points: the column decides the mark.
    from kztrade._io import _parse_values

    thousands, mark = style
    texts, expected = [], []
    for whole, frac, grouped in cells:
        digits = f"{whole:,}".replace(",", thousands) if grouped else str(whole)
        texts.append(digits + (mark + frac if frac else ""))
        expected.append(float(f"{whole}.{frac or 0}"))
    lines = np.arange(len(texts)) + 2
    shows_mark = any(frac and len(frac) != 3 for _, frac, _ in cells)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            values, _ = _parse_values(pd.Series(texts), path="t.csv", lines=lines, columns="value")
        except KztradeError as exc:
            # Only a column where nothing shows the decimal mark may be refused.
            assert "ambiguous number" in str(exc), (texts, str(exc))
            assert not shows_mark, texts
            return
    assert values.tolist() == pytest.approx(expected, rel=1e-12), texts


# --------------------------------------------------------------------------- frames

_PARTNERS = ["WLD", "MNG", "CHN", "RUS"]
_COMMODITIES = ["TOTAL", "01", "0101", "27", "2709"]
_VALUES = st.one_of(
    st.floats(min_value=0, max_value=1e12, allow_nan=False),
    st.sampled_from([0.0, 1.0, 1e-9, 5e9]),
    st.sampled_from([-1.0, np.nan, np.inf]),
)


@st.composite
def tidyish(draw):
    """A small frame shaped like a tidy trade frame, sometimes damaged."""
    freq = draw(st.sampled_from(["Y", "M"]))
    if freq == "Y":
        periods = [str(y) for y in range(2018, 2023)]
    else:
        periods = [f"{y}-{m:02d}" for y in (2021, 2022) for m in (1, 2, 3, 6, 12)]
    n = draw(st.integers(min_value=0, max_value=12))
    rows = {
        "period": draw(st.lists(st.sampled_from(periods), min_size=n, max_size=n)),
        "reporter": draw(st.lists(st.sampled_from(["KAZ", "MNG"]), min_size=n, max_size=n)),
        "partner": draw(st.lists(st.sampled_from(_PARTNERS), min_size=n, max_size=n)),
        "flow": draw(st.lists(st.sampled_from(["export", "import"]), min_size=n, max_size=n)),
        "commodity": draw(st.lists(st.sampled_from(_COMMODITIES), min_size=n, max_size=n)),
        "value_usd": draw(st.lists(_VALUES, min_size=n, max_size=n)),
        "source": draw(st.lists(st.sampled_from(["BNS", "WITS"]), min_size=n, max_size=n)),
    }
    frame = pd.DataFrame(rows)
    damage = draw(
        st.sampled_from(
            ["none", "none", "raw", "drop_column", "text_values", "after", "after", "after"]
        )
    )
    if damage in ("none", "after"):
        frame = frame.drop_duplicates(["period", "reporter", "partner", "flow", "commodity"])
        good = frame["value_usd"]
        frame = frame.assign(value_usd=good.where(np.isfinite(good) & (good >= 0), 1.0))
        frame = make_frame(frame, freq=freq)
    if damage == "after" and len(frame):
        # Damage a valid frame the way later code might: values set to NaN, negative or
        # infinite, a repeated row, a stray column, estimated flags.
        i = draw(st.integers(min_value=0, max_value=len(frame) - 1))
        how = draw(st.sampled_from(["nan", "negative", "inf", "repeat", "column", "estimated"]))
        if how == "repeat":
            frame = pd.concat([frame, frame.iloc[[i]]], ignore_index=True)
        elif how == "column":
            frame = frame.assign(note="x")
        elif how == "estimated":
            frame = frame.assign(estimated=[j == i for j in range(len(frame))])
        else:
            bad = {"nan": np.nan, "negative": -5.0, "inf": np.inf}[how]
            values = frame["value_usd"].to_numpy(copy=True)
            values[i] = bad
            frame = frame.assign(value_usd=values)
    elif damage == "drop_column":
        frame = frame.drop(columns=draw(st.sampled_from(list(rows))))
    elif damage == "text_values":
        frame["value_usd"] = frame["value_usd"].astype(str)
    return frame, freq


def _period_arg(freq, draw_year):
    return str(draw_year) if freq == "Y" else f"{draw_year}-06"


CALLS = {
    "turnover": lambda f, freq: growth.turnover(f),
    "with_turnover": lambda f, freq: growth.with_turnover(f),
    "yoy": lambda f, freq: growth.yoy(f),
    "ytd": lambda f, freq: growth.ytd(f, through=3 if freq == "M" else "2022-03"),
    "cagr": lambda f, freq: growth.cagr(
        f, start=_period_arg(freq, 2018 if freq == "Y" else 2021), end=_period_arg(freq, 2022)
    ),
    "index": lambda f, freq: growth.index(f, base=_period_arg(freq, 2020 if freq == "Y" else 2021)),
    "shares": lambda f, freq: growth.shares(f),
    "contributions": lambda f, freq: growth.contributions(f),
    "top_n": lambda f, freq: growth.top_n(f, n=2),
    "hhi": lambda f, freq: growth.hhi(f),
}
FUNCTIONS = [name for name in growth.__all__ if callable(getattr(growth, name))]
FUNCTIONS = [name for name in FUNCTIONS if not isinstance(getattr(growth, name), type)]


def test_every_public_growth_function_is_exercised():
    assert sorted(CALLS) == sorted(FUNCTIONS)


def _check_invariants(name: str, frame: pd.DataFrame, out) -> None:
    assert isinstance(out, pd.DataFrame)
    if name == "shares" and len(out):
        totals = out["total_usd"].to_numpy(dtype="float64")
        ok = np.isfinite(totals) & (totals > 0)
        within = ["period", "reporter", "flow", "source"]
        sums = out.loc[ok].groupby(within, observed=True)["share"].sum()
        assert np.allclose(sums.to_numpy(), 1.0)
    if name == "hhi" and len(out):
        values = out["hhi"].to_numpy(dtype="float64")
        values = values[np.isfinite(values)]
        assert ((values >= 0) & (values <= 10_000 + 1e-6)).all()
    if name == "top_n" and len(out):
        # The top items plus "other" add up to the whole of each group.
        assert np.isfinite(out["value_usd"]).sum() >= 0


@settings(SETTINGS, max_examples=40)
@given(data=tidyish())
def test_growth_functions_return_or_raise_a_kztrade_error(data):
    # One frame goes through every function (40 frames, 400 calls): each call costs
    # 10-40 ms of pandas work, so more examples would dominate the suite's time.
    frame, freq = data
    before = frame.copy(deep=True)
    for name in sorted(CALLS):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                out = CALLS[name](frame, freq)
            except KztradeError:
                out = None
            except Exception as exc:  # noqa: BLE001 - the property under test
                raise AssertionError(f"{name} raised {exc!r}, not a KztradeError") from exc
        pd.testing.assert_frame_equal(frame, before, obj=f"input of {name}")
        if out is not None:
            _check_invariants(name, frame, out)


@settings(SETTINGS, max_examples=40)
@given(data=tidyish())
def test_shares_of_a_clean_frame_sum_to_one(data):
    frame, _ = data
    assume(isinstance(frame, pd.DataFrame) and "value_usd" in frame and len(frame))
    assume(frame["value_usd"].dtype == np.float64)
    try:
        clean = make_frame(frame, freq=data[1])
    except KztradeError:
        return
    parts = clean[(clean["partner"] != "WLD") & (clean["commodity"] == "TOTAL")]
    assume(len(parts))
    out = growth.shares(parts)
    positive = out["total_usd"] > 0
    sums = out.loc[positive].groupby(["period", "reporter", "flow", "source"])["share"].sum()
    assert np.allclose(sums.to_numpy(), 1.0)


_ODD = st.sampled_from(
    [None, 0, -1, 1, 2, 2.5, True, "1", "", "partner", "commodity", "nope", "period", "value_usd",
     ("period",), ("partner", "partner"), [], ["flow", "source"], 5, np.nan, "2021",
     "2021-03", "Q1", pd.Period("2021", "Y")]
)  # fmt: skip
_PARAMS = {
    "turnover": ["by"],
    "with_turnover": [],
    "yoy": ["by", "periods", "low_base"],
    "ytd": ["through", "by", "low_base"],
    "cagr": ["start", "end", "by", "low_base"],
    "index": ["base", "by"],
    "shares": ["of", "within", "total"],
    "contributions": ["component", "total_by", "periods", "low_base"],
    "top_n": ["n", "of", "by", "other", "rank_period"],
    "hhi": ["of", "within"],
}


@pytest.mark.parametrize("name", sorted(_PARAMS))
@settings(SETTINGS, max_examples=25)
@given(data=st.data())
def test_odd_parameters_raise_a_kztrade_error(name, data):
    frame = make_frame(
        {
            "period": ["2021", "2022", "2021", "2022"],
            "reporter": "KAZ",
            "partner": ["MNG", "MNG", "CHN", "CHN"],
            "flow": "export",
            "commodity": "TOTAL",
            "value_usd": [1.0, 2.0, 3.0, 5.0],
            "source": "BNS",
        },
        freq="Y",
    )
    before = frame.copy(deep=True)
    required = {
        "ytd": {"through": 3},
        "cagr": {"start": 2021, "end": 2022},
        "index": {"base": 2021},
        "top_n": {"n": 1},
    }
    kwargs = dict(required.get(name, {}))
    for param in _PARAMS[name]:
        if data.draw(st.booleans()):
            kwargs[param] = data.draw(_ODD, label=param)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            out = getattr(growth, name)(frame, **kwargs)
        except KztradeError:
            out = None
    pd.testing.assert_frame_equal(frame, before)
    assert out is None or isinstance(out, pd.DataFrame)


@settings(SETTINGS, max_examples=40)
@given(data=tidyish())
def test_dropping_aggregates_leaves_none_and_growth_agrees(data):
    frame, _ = data
    assume(isinstance(frame["period"].dtype, pd.PeriodDtype) if "period" in frame else False)
    try:
        validate(frame)
    except KztradeError:
        return
    before = frame.copy(deep=True)
    flags = is_aggregate(frame)
    pd.testing.assert_frame_equal(frame, before)
    kept = drop_aggregates(frame)
    assert not is_aggregate(kept).any()
    assert len(kept) == len(frame) - int(flags.sum())
    # The summing functions apply the same rule: summing partners within every other key
    # column refuses exactly the frames that have partner aggregates.
    by = ["period", "reporter", "flow", "commodity", "source"]
    partner_aggregates = aggregates_beside_parts(frame, of="partner", within=by).aggregate
    try:
        growth.shares(frame, within=tuple(by))
        refused = False
    except DoubleCountingError as exc:
        refused = "partner 'WLD'" in str(exc)
    assert refused == bool(partner_aggregates.any())


# --------------------------------------------------------------------------- files

_DATES = st.sampled_from(["2021-12-31", "2020-12-31", "2021-01-01", "2099-12-31", "31.12.2021"])
_CODES = st.sampled_from(["MNG", "CHN", "RUS", "NAM", "HS01", "HS27", "TOTAL", "XX1", ""])
_NAMES = st.sampled_from(
    ["Kazakhstan", "China", "Монголия", "Korea", "World", "Total", "European Union", "NA", ""]
)
_HS = st.sampled_from(["01", "0101", "101", "8471.0", "1.01E+05", "TOTAL", "27", "x"])
_VALUE = st.one_of(
    st.floats(min_value=0, max_value=1e9, allow_nan=False).map(repr),
    st.sampled_from(
        ["54688.98248", '"1 234,5"', '"1,234"', '"7,018,745.76"', "-5", "..", "x", "", "1e300",
         "12.5e", "20 (p)", "0", "\u00a0", "(3)", "1.2E+07"]
    ),
)  # fmt: skip
_ROWS = {
    "date,region,item_code,item_name,value,transformation": lambda d: [
        d(_DATES), d(st.sampled_from(["national", "national", "Almaty"])), d(_CODES),
        d(_NAMES), d(_VALUE), d(st.sampled_from(["level", "level", "level", "yoy"])),
    ],
    "date,value,transformation": lambda d: [
        d(st.sampled_from(["2021-01-01", "2021-02-01", "2021-03-01", "2022-01-01"])),
        d(_VALUE), "level",
    ],
    "partner,2019,2020": lambda d: [d(_NAMES), d(_VALUE), d(_VALUE)],
    "commodity,2020,2021": lambda d: [d(_HS), d(_VALUE), d(_VALUE)],
    "partner,units,2019": lambda d: [
        d(_NAMES), d(st.sampled_from(["thousand USD", "million USD"])), d(_VALUE),
    ],
    "Дата,Значение": lambda d: [d(_DATES), d(_VALUE)],
}  # fmt: skip


@st.composite
def csv_bytes(draw):
    """Files shaped like BNS and wide tables, with damage drawn into fields, lines, bytes."""
    if draw(st.integers(0, 14)) == 0:
        return draw(st.binary(max_size=200))
    header = draw(st.sampled_from(sorted(_ROWS)))
    lines = [header]
    for _ in range(draw(st.integers(0, 6))):
        fields = _ROWS[header](draw)
        if draw(st.integers(0, 9)) == 0:
            fields = fields[: draw(st.integers(0, len(fields)))]
        lines.append(",".join(fields))
    sep = draw(st.sampled_from([",", ",", ",", ";", "\t"]))
    if sep != ",":
        lines = [line.replace(",", sep) for line in lines]
    text = draw(st.sampled_from(["\n", "\r\n"])).join(lines)
    if draw(st.booleans()):
        text += "\n"
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "cp1251", "utf-16"]))
    return text.encode(encoding, errors="replace")


@settings(SETTINGS, max_examples=80)
@given(content=csv_bytes(), which=st.sampled_from(["bns", "wide_partner", "wide_commodity"]))
def test_readers_return_a_valid_frame_or_raise_a_kztrade_error(tmp_path_factory, content, which):
    from kztrade.readers import read_bns, read_wide

    path = tmp_path_factory.mktemp("csv") / "input.csv"
    path.write_bytes(content)
    calls = {
        "bns": lambda: read_bns(path, flow="export"),
        "wide_partner": lambda: read_wide(
            path, units="thousand USD", source="X", reporter="KAZ", flow="export",
            commodity="TOTAL",
        ),
        "wide_commodity": lambda: read_wide(
            path, units="thousand USD", source="X", reporter="KAZ", flow="export",
            partner="WLD",
        ),
    }  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            frame = calls[which]()
        except KztradeError:
            return
    validate(frame)
    assert len(frame) > 0
    assert path.read_bytes() == content


@settings(SETTINGS, max_examples=40)
@given(
    left=tidyish(),
    right=tidyish(),
    cif_fob=st.sampled_from([1.0, 1.06, 1.1, 0.9, float("nan"), "1.08", True]),
)
def test_mirror_returns_or_raises_a_kztrade_error(left, right, cif_fob):
    from kztrade.mirror import COLUMNS, mirror

    own, theirs = left[0], right[0]
    if "reporter" in theirs and "partner" in theirs:
        # Make the partner side mirror the reporter side, so that pairs do meet.
        theirs = theirs.assign(reporter=theirs["partner"].replace("WLD", "MNG"), partner="KAZ")
    before = (own.copy(deep=True), theirs.copy(deep=True))
    try:
        out = mirror(own, theirs, cif_fob=cif_fob)
    except KztradeError:
        return
    finally:
        pd.testing.assert_frame_equal(own, before[0])
        pd.testing.assert_frame_equal(theirs, before[1])
    assert list(out.columns) == list(COLUMNS)
    both = out["reporter_fob_usd"].notna() & out["partner_fob_usd"].notna()
    gap = out.loc[both, "reporter_fob_usd"] - out.loc[both, "partner_fob_usd"]
    assert np.allclose(gap, out.loc[both, "discrepancy_usd"])

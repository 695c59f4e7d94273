"""Tests for kztrade.statements: reading official statements and checking their figures."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kztrade.errors import ParameterError
from kztrade.statements import (
    CLAIM_COLUMNS,
    parse_statements,
    period_label,
    stated_precision,
)

# The May-2022 figures (2021: 60.9 M USD, +48.1%; Jan-Apr 2022: 31 M, +118%, exports
# 30.4 M, +129.9%, imports 466 thousand, -50.3%), each time in our own words.
MAY_2022_EN = (
    "Kazakhstan and Mongolia traded goods worth 60.9 million US dollars in 2021, up 48.1% "
    "on the year before. Over January-April 2022 the turnover came to 31 million USD "
    "(+118%): exports stood at 30.4 million (+129.9%) and imports at 466 thousand "
    "(-50.3%)."
)
MAY_2022_RU = (
    "Объём взаимной торговли Казахстана и Монголии в 2021 году достиг 60,9 млн долларов "
    "США, что на 48,1% больше, чем годом ранее. За январь–апрель 2022 года он составил "
    "31 млн долл. США (+118%), при этом экспорт — 30,4 млн (+129,9%), импорт — 466 тыс. "
    "долларов США (−50,3%)."
)


def claims_of(text, **kwargs):
    """The readable claims, as tuples (year, first, last, measure, value, growth)."""
    frame = parse_statements(text, **kwargs)
    ok = frame[frame["problem"] == ""]
    return [
        (
            int(r.year),
            int(r.first_month),
            int(r.last_month),
            r.measure,
            None if math.isnan(r.value_usd) else round(r.value_usd, 3),
            None if math.isnan(r.growth) else round(r.growth, 6),
        )
        for r in ok.itertuples()
    ]


def problems_of(text, **kwargs):
    frame = parse_statements(text, **kwargs)
    bad = frame[frame["problem"] != ""]
    return list(zip(bad["text"], bad["problem"], strict=True))


MAY_2022_CLAIMS = [
    (2021, 1, 12, "turnover", 60_900_000.0, 0.481),
    (2022, 1, 4, "turnover", 31_000_000.0, 1.18),
    (2022, 1, 4, "export", 30_400_000.0, 1.299),
    (2022, 1, 4, "import", 466_000.0, -0.503),
]


# --------------------------------------------------------------------------- the frame


def test_may_2022_in_english():
    frame = parse_statements(MAY_2022_EN, statement="may-2022", source="MFA-KZ", date="2022-05")
    assert claims_of(MAY_2022_EN) == MAY_2022_CLAIMS
    assert list(frame.columns[: len(CLAIM_COLUMNS)]) == list(CLAIM_COLUMNS)
    assert (frame["statement"] == "may-2022").all()
    assert (frame["source"] == "MFA-KZ").all()
    assert (frame["date"] == "2022-05").all()
    assert (frame["reporter"] == "KAZ").all()
    assert (frame["partner"] == "MNG").all()  # read from "Mongolia"
    assert frame["text"].tolist() == [
        "60.9 million US dollars in 2021, up 48.1%",
        "31 million USD (+118%)",
        "30.4 million (+129.9%)",
        "466 thousand (-50.3%)",
    ]
    assert frame["value_decimals"].tolist() == [1, 0, 1, 0]
    assert frame["growth_decimals"].tolist() == [1, 0, 1, 1]
    assert frame["base_year"].tolist() == [2020, 2021, 2021, 2021]


def test_may_2022_in_russian():
    assert claims_of(MAY_2022_RU, partner="MNG") == MAY_2022_CLAIMS


def test_offsets_point_at_the_figure():
    frame = parse_statements(MAY_2022_RU, partner="MNG")
    for row in frame.itertuples():
        assert MAY_2022_RU[row.start : row.end] == row.text


def test_dtypes():
    frame = parse_statements(MAY_2022_EN)
    assert str(frame["year"].dtype) == "Int64"
    assert frame["value_usd"].dtype == "float64"
    assert frame["growth"].dtype == "float64"
    assert frame["start"].dtype == "int64"


def test_empty_text_gives_an_empty_frame():
    frame = parse_statements("", partner="MNG")
    assert frame.empty
    assert list(frame.columns[: len(CLAIM_COLUMNS)]) == list(CLAIM_COLUMNS)


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Exports in 2023 were 12,7 million USD.", 12_700_000.0),
        ("Exports in 2023 were 12.7 million USD.", 12_700_000.0),
        ("Exports in 2023 were 1 234,5 thousand USD.", 1_234_500.0),
        ("Exports in 2023 were 1,234.5 thousand USD.", 1_234_500.0),
        ("Exports in 2023 were 1.234,5 thousand USD.", 1_234_500.0),
        ("Exports in 2023 were 1,234,567 US dollars.", 1_234_567.0),
        ("Exports in 2023 were $1.25 billion.", 1_250_000_000.0),
        ("Exports in 2023 were USD 2 bn.", 2_000_000_000.0),
        ("Exports in 2023 were US$850k.", 850_000.0),
        ("Exports in 2023 were $12.7m.", 12_700_000.0),
        ("Exports in 2023 were 12.7 mln dollars.", 12_700_000.0),
        ("Exports in 2023 were 780 thousands US dollars.", 780_000.0),
        ("Exports in 2023 were 0.780 million U.S. dollars.", 780_000.0),
    ],
)
def test_numbers_scales_and_currencies(text, value):
    assert claims_of(text, partner="MNG") == [(2023, 1, 12, "export", value, None)]


def test_ambiguous_comma_follows_the_rest_of_the_text():
    # "48,5%" shows the text writes decimal commas, so "2,125" is 2.125 million.
    frame = parse_statements("In 2023 exports were 2,125 million USD, up 48,5%.", partner="MNG")
    assert frame.loc[0, "value_usd"] == 2_125_000.0
    assert "',' read as a decimal mark" in frame.loc[0, "note"]
    # Without such evidence an English comma before three digits groups thousands.
    frame = parse_statements("In 2023 exports were 2,125 thousand USD.", partner="MNG")
    assert frame.loc[0, "value_usd"] == 2_125_000.0
    assert "read as a thousands separator" in frame.loc[0, "note"]


def test_russian_numbers_and_units():
    text = (
        "В 2024 году экспорт составил 1 250,4 тыс. долларов США, импорт — 3,2 млн долл. "
        "США, а товарооборот — 0,0045 млрд долларов."
    )
    assert claims_of(text, partner="MNG") == [
        (2024, 1, 12, "export", 1_250_400.0, None),
        (2024, 1, 12, "import", 3_200_000.0, None),
        (2024, 1, 12, "turnover", 4_500_000.0, None),
    ]


# --------------------------------------------------------------------------- growth


@pytest.mark.parametrize(
    ("phrase", "growth"),
    [
        ("9.5 million USD (+12.5%)", 0.125),
        ("9.5 million USD (-12,5%)", -0.125),
        ("9.5 million USD (–12.5 %)", -0.125),
        ("9.5 million USD (— 12.5%)", -0.125),
        ("9.5 million USD (−12.5%)", -0.125),
        ("9.5 million USD, up 12.5%", 0.125),
        ("9.5 million USD, down 12.5% on 2022", -0.125),
        ("9.5 million USD, an increase of 12.5 per cent", 0.125),
        ("9.5 million USD, a decline of 12.5 percent", -0.125),
        ("9.5 million USD, 12.5% more than a year earlier", 0.125),
        ("9.5 million USD, which is 12.5% less than in 2022", -0.125),
        ("9.5 million USD (12.5% y/y)", 0.125),
        ("9.5 million USD, 2.5 times more than in 2022", 1.5),
        ("9.5 million USD, having grown 2.5-fold", 1.5),
        ("9.5 million USD, having decreased 2 times", -0.5),
    ],
)
def test_growth_phrasings_after_the_value(phrase, growth):
    text = f"In 2023 exports to Mongolia reached {phrase}."
    assert claims_of(text) == [(2023, 1, 12, "export", 9_500_000.0, growth)]


@pytest.mark.parametrize(
    ("text", "growth"),
    [
        ("In 2023 trade grew by 31.4% to 9.5 million USD.", 0.314),
        ("In 2023 trade fell 31.4% to 9.5 million USD.", -0.314),
        ("In 2023 trade rose 3.5 times, to 9.5 million USD.", 2.5),
        ("In 2023 trade doubled to 9.5 million USD.", 1.0),
        ("В 2023 году товарооборот увеличился на 31,4% и составил 9,5 млн долларов США.", 0.314),
        ("В 2023 году товарооборот сократился на 31,4% — до 9,5 млн долларов США.", -0.314),
        ("В 2023 году товарооборот вырос в 3,5 раза и достиг 9,5 млн долларов США.", 2.5),
    ],
)
def test_growth_phrasings_before_the_value(text, growth):
    assert claims_of(text, partner="MNG") == [(2023, 1, 12, "turnover", 9_500_000.0, growth)]


def test_growth_without_a_value_is_a_claim():
    text = "Trade with Mongolia grew by 22.6% in 2023, while imports fell 4%."
    assert claims_of(text) == [
        (2023, 1, 12, "turnover", None, 0.226),
        (2023, 1, 12, "import", None, -0.04),
    ]


def test_growth_goes_with_its_own_measure():
    text = (
        "In 2023 exports totalled 9.5 million USD and imports declined by 12% to 0.8 million USD."
    )
    assert claims_of(text, partner="MNG") == [
        (2023, 1, 12, "export", 9_500_000.0, None),
        (2023, 1, 12, "import", 800_000.0, -0.12),
    ]


def test_base_year_when_the_comparison_is_not_the_previous_year():
    frame = parse_statements(
        "In 2023 trade reached 9.5 million USD, up 80% compared with 2021.", partner="MNG"
    )
    assert frame.loc[0, "base_year"] == 2021
    assert frame.loc[0, "year"] == 2023  # the comparison year is not the figure's period


# --------------------------------------------------------------------------- separators, words


@pytest.mark.parametrize("dash", ["-", "–", "—", ":"])
def test_dashes_and_colons_as_separators(dash):
    text = f"In 2023: export {dash} 30,4 million, import {dash} 2,6 million USD."
    assert claims_of(text, partner="MNG") == [
        (2023, 1, 12, "export", 30_400_000.0, None),
        (2023, 1, 12, "import", 2_600_000.0, None),
    ]


def test_a_dash_between_spaces_is_no_minus_sign():
    text = "In 2023 turnover amounted to 9.5 million USD, growth – 12.5%."
    assert claims_of(text, partner="MNG") == [(2023, 1, 12, "turnover", 9_500_000.0, 0.125)]


@pytest.mark.parametrize(
    ("words", "measure"),
    [
        ("trade turnover amounted to", "turnover"),
        ("foreign trade turnover made", "turnover"),
        ("mutual trade reached", "turnover"),
        ("the volume of trade totalled", "turnover"),
        ("turnover was", "turnover"),
        ("trade came to", "turnover"),
        ("export made", "export"),
        ("exports amounted to", "export"),
        ("Kazakhstan exported goods worth", "export"),
        ("imports came to", "import"),
        ("import made", "import"),
        ("the trade balance was", "balance"),
        ("the surplus reached", "balance"),
    ],
)
def test_measure_words_and_verbs(words, measure):
    text = f"In 2023 {words} 4.2 million USD."
    assert claims_of(text, partner="MNG") == [(2023, 1, 12, measure, 4_200_000.0, None)]


def test_a_deficit_is_a_negative_balance():
    text = "In 2023 trade with Mongolia ended with a deficit of 1.2 million USD."
    assert claims_of(text) == [(2023, 1, 12, "balance", -1_200_000.0, None)]


@pytest.mark.parametrize(
    ("words", "measure", "turned"),
    [
        ("Kazakhstan's exports to Mongolia", "export", False),
        ("Mongolia's exports to Kazakhstan", "import", True),
        ("Mongolian exports", "import", True),
        ("Exports from Mongolia", "import", True),
        ("Imports from Mongolia", "import", False),
        ("Mongolia's imports from Kazakhstan", "export", True),
        ("Imports into Mongolia", "export", True),
    ],
)
def test_flows_seen_from_the_partner_side_are_turned_round(words, measure, turned):
    text = f"In 2023 {words} were 4.2 million USD."
    frame = parse_statements(text, partner="MNG")
    assert frame.loc[0, "measure"] == measure
    assert ("recorded as KAZ's" in frame.loc[0, "note"]) == turned


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        ("In January-April 2022", 1, 4),
        ("In January–April 2022", 1, 4),
        ("In Jan–Apr 2022", 1, 4),
        ("In Jan.-Apr. 2022", 1, 4),
        ("From January to April 2022", 1, 4),
        ("January through April 2022", 1, 4),
        ("In the first four months of 2022", 1, 4),
        ("In the first 4 months of 2022", 1, 4),
        ("In the first quarter of 2022", 1, 3),
        ("In Q1 2022", 1, 3),
        ("In the first half of 2022", 1, 6),
        ("Over nine months of 2022", 1, 9),
        ("In January 2022", 1, 1),
        ("В январе-апреле 2022 года", 1, 4),
        ("За январь – апрель 2022 г.", 1, 4),
        ("За 4 месяца 2022 года", 1, 4),
        ("За первые четыре месяца 2022 года", 1, 4),
        ("В I квартале 2022 года", 1, 3),
        ("За первое полугодие 2022 года", 1, 6),
    ],
)
def test_month_spans(period, first, last):
    text = f"{period} exports to Mongolia were 8.8 million USD."
    assert claims_of(text, partner="MNG") == [(2022, first, last, "export", 8_800_000.0, None)]


def test_period_after_the_figure():
    text = "Turnover was 60.9 million USD in 2021 and 31 million USD in January–April 2022."
    assert claims_of(text, partner="MNG") == [
        (2021, 1, 12, "turnover", 60_900_000.0, None),
        (2022, 1, 4, "turnover", 31_000_000.0, None),
    ]


def test_a_period_later_in_the_sentence_applies_to_its_figures():
    text = (
        "Exports rose by 129.9% to 30.4 million USD and imports fell 50.3% to 466 thousand "
        "USD in January-April 2022."
    )
    assert claims_of(text, partner="MNG") == MAY_2022_CLAIMS[2:]


def test_relative_years_need_the_release_date():
    text = "In the first four months of this year turnover doubled and reached 31 million USD."
    assert claims_of(text, partner="MNG", date="2022-05-12") == [
        (2022, 1, 4, "turnover", 31_000_000.0, 1.0)
    ]
    assert problems_of(text, partner="MNG") == [
        (
            "doubled and reached 31 million USD",
            "the period says 'this year'; pass date= (the statement's release date) to resolve it",
        )
    ]


def test_dates_of_release_are_not_periods():
    text = (
        "On 12 May 2022 the ministry reported that trade with Mongolia in 2021 made 60.9 "
        "million USD."
    )
    assert claims_of(text) == [(2021, 1, 12, "turnover", 60_900_000.0, None)]


# --------------------------------------------------------------------------- continuation


@pytest.mark.parametrize(
    "follow_up",
    [
        "In January-April 2022 it made 31 million USD (+118%).",
        "In January-April 2022 it amounted to 31 mln USD, a rise of 118%.",
        "For the first four months of 2022 the figure reached $31 million, up 118%.",
    ],
)
def test_a_sentence_that_continues_the_previous_one(follow_up):
    text = "In 2021 trade turnover with Mongolia was 60.9 million USD. " + follow_up
    assert claims_of(text) == [
        (2021, 1, 12, "turnover", 60_900_000.0, None),
        (2022, 1, 4, "turnover", 31_000_000.0, 1.18),
    ]
    frame = parse_statements(text)
    assert "carried over" in frame.loc[1, "note"]


def test_qualifiers_are_kept():
    text = (
        "In 2023 exports exceeded 40 million USD, imports were about 3 million USD and "
        "turnover was less than 45 million USD."
    )
    frame = parse_statements(text, partner="MNG")
    assert frame["qualifier"].tolist() == ["exceeded", "about", "less than"]


# --------------------------------------------------------------------------- reported, not dropped


@pytest.mark.parametrize(
    ("text", "figure", "problem"),
    [
        (
            "In 2023 exports made up 92% of turnover.",
            "92%",
            "a share, not a growth rate; not checked",
        ),
        (
            "In 2023 trade reached 9 million USD (45.2%).",
            "(45.2%)",
            "a percentage without a sign or a word such as 'up'/'down'; not read as growth",
        ),
        (
            "In 2023 the share of exports rose by 3.1 percentage points.",
            "3.1 percentage points",
            "a change in percentage points, not a growth rate; not checked",
        ),
        (
            "In 2023 exports were 4.5 billion tenge.",
            "4.5 billion tenge",
            "the figure is in tenge, not US dollars",
        ),
        (
            "In 2023 exports were 4500.",
            "4500",
            "a number without a unit (thousand, million, ...) or currency; not read",
        ),
        (
            "Exports reached 4.5 million USD.",
            "4.5 million USD",
            "no period (a year or a month span) before the figure",
        ),
        (
            "In 2023 the partners signed deals worth 4.5 million USD.",
            "4.5 million USD",
            "no measure word (turnover, exports, imports, balance) before the figure",
        ),
        (
            "In 2023 re-exports were 4.5 million USD.",
            "4.5 million USD",
            "'re-exports' figures are not a measure kztrade checks",
        ),
        (
            "In 2023 trade with Mongolia grew 3 times as the presidents met.",
            None,
            None,
        ),
    ],
)
def test_what_cannot_be_read_is_reported(text, figure, problem):
    found = problems_of(text, partner="MNG")
    if figure is None:
        # "grew 3 times" reads as growth; nothing else in the sentence is a figure.
        assert found == []
        return
    assert len(found) == 1
    assert found[0][0] == figure
    assert found[0][1].startswith(problem)


def test_every_number_in_a_trade_sentence_is_accounted_for():
    text = (
        "In 2023 turnover was 9.5 million USD (+12%), exports 9 million, 95% of the total, "
        "and imports 500 thousand USD (-3%) in 14 shipments. The sides met 3 times."
    )
    frame = parse_statements(text, partner="MNG")
    covered = set(range(3, 7))  # the year
    for row in frame.itertuples():
        covered.update(range(row.start, row.end))
    digits = [i for i, ch in enumerate(text[: text.index("The sides")]) if ch.isdigit()]
    assert [text[i] for i in digits if i not in covered] == []
    assert frame.loc[frame["text"] == "14", "problem"].tolist() == [
        "a number without a unit (thousand, million, ...) or currency; not read"
    ]
    # A sentence with no trade words in it is not about the figures.
    assert "3 times" not in frame["text"].tolist()


# --------------------------------------------------------------------------- parameters


def test_partner_read_from_the_text_or_refused():
    assert parse_statements("Trade with Mongolia reached 9 million USD in 2023.")[
        "partner"
    ].tolist() == ["MNG"]
    with pytest.raises(
        ParameterError, match=r"cannot tell the partner country from the text .* partner='MNG'"
    ):
        parse_statements("Trade reached 9 million USD in 2023.")
    with pytest.raises(ParameterError, match=r"names several partner countries \['MNG', 'CHN'\]"):
        parse_statements("Trade with Mongolia and China reached 9 million USD in 2023.")
    # The currency in "US dollars" is not a partner.
    frame = parse_statements("Trade with Mongolia reached 9 million US dollars in 2023.")
    assert frame["partner"].tolist() == ["MNG"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(reporter="Kazakhstan"), r"reporter must be an ISO3 code such as 'KAZ', got 'Kaz"),
        (dict(partner="mng"), r"partner must be an ISO3 code such as 'MNG' or None"),
        (dict(date="May 2022"), r"date must be an ISO date such as '2022-05-12' or '', got"),
    ],
)
def test_bad_parameters(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        parse_statements(MAY_2022_EN, **kwargs)


def test_text_must_be_text():
    with pytest.raises(ParameterError, match="text must be a string, got int"):
        parse_statements(2021)


# --------------------------------------------------------------------------- generated statements

_TEMPLATES = [
    "In {period} {measure} amounted to {value} ({growth}).",
    "{period_cap}: {measure} – {value}, {growth_words}.",
    "In {period}, {measure} {verb} {growth_words_before} to {value}.",
]


@settings(max_examples=60, deadline=None)
@given(
    whole=st.integers(min_value=1, max_value=999),
    tenths=st.integers(min_value=0, max_value=9),
    rate=st.integers(min_value=1, max_value=9999),
    up=st.booleans(),
    comma=st.booleans(),
    template=st.sampled_from(_TEMPLATES),
    scale=st.sampled_from([("million", 1e6), ("thousand", 1e3), ("billion", 1e9)]),
    currency=st.sampled_from(["USD", "US dollars", "dollars"]),
    measure=st.sampled_from([("exports", "export"), ("imports", "import"), ("trade", "turnover")]),
    months=st.integers(min_value=1, max_value=12),
)
def test_generated_statements_read_back(
    whole, tenths, rate, up, comma, template, scale, currency, measure, months
):
    mark = "," if comma else "."
    number = f"{whole}{mark}{tenths}"
    pct = f"{rate // 10}{mark}{rate % 10}%"
    names = (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    )
    period = "2023" if months == 12 else f"January–{names[months - 1]} 2023"
    if months == 1:
        period = "January 2023"
    text = template.format(
        period=period,
        period_cap=period,
        measure=measure[0],
        value=f"{number} {scale[0]} {currency}",
        growth=("+" if up else "-") + pct,
        growth_words=("up " if up else "down ") + pct,
        verb="grew by" if up else "fell by",
        growth_words_before=pct,
    )
    got = claims_of(text, partner="MNG")
    value = (whole + tenths / 10) * scale[1]
    growth = (1 if up else -1) * rate / 1000
    assert len(got) == 1, text
    year, first, last, what, stated, rate_read = got[0]
    assert (year, first, last, what) == (2023, 1, months, measure[1]), text
    assert stated == pytest.approx(value, rel=1e-12), text
    assert rate_read == pytest.approx(growth, abs=1e-12), text


# --------------------------------------------------------------------------- helpers


def test_stated_precision():
    assert stated_precision("60.9 million USD (+48.1%)") == (50_000.0, 0.0005)
    assert stated_precision("31 млн долл. США (+118%)") == (500_000.0, 0.005)
    assert stated_precision("9.5 million USD, 2.5 times more") == (50_000.0, 0.05)
    # Two figures in one phrase: the value picks its own.
    half, _ = stated_precision("exports 30.4 million and imports 466 thousand", value_usd=466e3)
    assert half == 500.0
    # Nothing to read in the text: the stored value's last digit decides.
    assert stated_precision("", value_usd=60_900_000.0, growth=0.481) == (50_000.0, 0.0005)
    value_half, growth_half = stated_precision("")
    assert math.isnan(value_half) and math.isnan(growth_half)


@pytest.mark.parametrize(
    ("args", "label"),
    [
        ((2021,), "2021"),
        ((2022, 1, 4), "Jan–Apr 2022"),
        ((2022, 1, 1), "Jan 2022"),
        ((2022, 4, 6), "Apr–Jun 2022"),
        ((pd.NA, 1, 4), "?"),
    ],
)
def test_period_label(args, label):
    assert period_label(*args) == label

"""Tests for kztrade.statements: reading official statements and checking their figures."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kztrade.errors import ParameterError, SchemaError
from kztrade.schema import make_frame
from kztrade.statements import (
    CHECKS,
    CLAIM_COLUMNS,
    VERDICTS,
    check_parameters,
    check_statements,
    count_verdicts,
    parse_statements,
    period_label,
    plot_claims,
    stated_precision,
    summarize_checks,
    verdicts,
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


# --------------------------------------------------------------------------- checking

# Kazakhstan's trade with Mongolia as the Bureau of National Statistics publishes it (final
# July editions, thousand USD) and as UN Comtrade/WITS serves it; see data/README.md.
BNS_MNG = {
    2020: (27_433.42126, 1_873.88491),
    2021: (54_688.98248, 2_441.47579),
    2022: (97_088.68049, 7_078.01027),
}
COMTRADE_MNG = {
    2019: (58_265.64196, 1_748.49269),
    2020: (26_494.62111, 1_804.0906),
    2021: (21_320.84047, 2_054.57297),
}


def annual_frame(**sources):
    rows = []
    for source, years in sources.items():
        for year, (exports, imports) in years.items():
            rows.append(dict(period=year, flow="export", value_usd=exports * 1e3, source=source))
            rows.append(dict(period=year, flow="import", value_usd=imports * 1e3, source=source))
    frame = pd.DataFrame(rows).assign(reporter="KAZ", partner="MNG", commodity="TOTAL")
    return make_frame(frame, freq="Y")


@pytest.fixture
def annual():
    return annual_frame(BNS=BNS_MNG, COMTRADE=COMTRADE_MNG)


@pytest.fixture
def monthly():
    """Made-up monthly KAZ–MNG figures whose Jan–Apr sums are those of the May-2022 text."""
    exports = {2021: [3.0, 3.2, 3.4, 3.62314], 2022: [7.0, 7.4, 7.8, 8.2]}  # million USD
    imports = {2021: [0.2, 0.25, 0.23, 0.25763], 2022: [0.1, 0.12, 0.11, 0.136]}
    rows = []
    for flow, values in (("export", exports), ("import", imports)):
        for year, months in values.items():
            for month, value in enumerate(months, start=1):
                rows.append(dict(period=f"{year}-{month:02d}", flow=flow, value_usd=value * 1e6))
    frame = pd.DataFrame(rows).assign(
        reporter="KAZ", partner="MNG", commodity="TOTAL", source="MONTHLY"
    )
    return make_frame(frame, freq="M")


def only(checked, label, check, source):
    rows = checked[
        (checked["label"] == label)
        & (checked["check"] == check)
        & (checked["data_source"] == source)
    ]
    assert len(rows) == 1, (label, check, source, checked[["label", "check", "data_source"]])
    return rows.iloc[0]


def test_may_2022_figures_against_the_bureau(annual):
    claims = parse_statements(MAY_2022_EN, statement="may-2022", source="MFA-KZ")
    checked = check_statements(claims, annual)
    value = only(checked, "turnover 2021", "value", "BNS")
    assert value["verdict"] == "inconsistent"
    assert value["recorded"] == pytest.approx(57_130_458.27)
    assert value["reason"] == (
        "BNS records 57.13 M USD of turnover in 2021; the stated 60.9 M USD is 3.77 M USD "
        "(6.6%) higher, beyond its rounding (±50 thousand USD)"
    )
    growth = only(checked, "turnover 2021", "growth", "BNS")
    assert growth["verdict"] == "inconsistent"
    assert growth["recorded"] == pytest.approx(0.9494, abs=1e-4)
    assert growth["reason"] == (
        "BNS gives +94.9% (57.13 M USD on 29.31 M USD in 2020); the stated +48.1% is 46.8 "
        "percentage points lower"
    )
    base = only(checked, "turnover 2021", "base", "BNS")
    assert base["verdict"] == "inconsistent"
    assert base["stated"] == pytest.approx(60.9e6 / 1.481)
    assert base["recorded"] == pytest.approx(29_307_306.17)
    summary = summarize_checks(checked)
    assert (
        "- **turnover 2021**, stated 60.9 M USD (+48.1%): BNS gives 57.13 M USD (+94.9% on "
        "29.31 M USD in 2020), not 60.9 M USD (+48.1%)"
    ) in summary


def test_january_april_figures_are_consistent_but_not_checkable_on_annual_data(annual):
    checked = check_statements(parse_statements(MAY_2022_EN), annual)
    span = checked[checked["year"] == 2022]
    external = span[span["data_source"] != "statement"]
    assert set(external["verdict"]) == {"not checkable"}
    assert set(external["reason"]) == {
        "BNS: annual KAZ–MNG data only; a Jan–Apr 2022 figure needs monthly data",
        "COMTRADE: annual KAZ–MNG data only; a Jan–Apr 2022 figure needs monthly data",
    }
    total = only(checked, "turnover Jan–Apr 2022", "sum", "statement")
    assert total["verdict"] == "consistent"
    assert total["recorded"] == pytest.approx(30_866_000.0)
    assert (total["stated_low"], total["stated_high"]) == (30_500_000.0, 31_500_000.0)
    bases = only(checked, "turnover Jan–Apr 2022", "base sum", "statement")
    assert bases["verdict"] == "consistent"
    assert bases["stated"] == pytest.approx(31e6 / 2.18)  # 14.2 M
    assert bases["recorded"] == pytest.approx(30.4e6 / 2.299 + 0.466e6 / 0.497)  # 13.2 + 0.94
    assert bases["base_period"] == "Jan–Apr 2021"
    summary = summarize_checks(checked)
    assert (
        "- **turnover Jan–Apr 2022**, stated 31 M USD (+118%): not checkable against BNS, "
        "COMTRADE: annual KAZ–MNG data only; a Jan–Apr 2022 figure needs monthly data; "
        "within the statement, consistent: exports 30.4 M USD + imports 466 thousand USD = "
        "30.87 M USD against the stated turnover of 31 M USD: consistent within rounding"
    ) in summary


def test_a_wrong_figure_is_caught(annual):
    # Exports of 2021 misstated (BNS: 54.69 M) and a turnover that is not the sum of its parts.
    text = (
        "In 2021 Kazakhstan's exports to Mongolia came to 64.7 million USD, and imports to "
        "2.4 million USD; turnover was 57.1 million USD. In the first four months of 2022 "
        "turnover made 35 million USD (+118%), exports 30.4 million (+129.9%) and imports "
        "466 thousand (-50.3%)."
    )
    checked = check_statements(parse_statements(text), annual)
    exports = only(checked, "export 2021", "value", "BNS")
    assert exports["verdict"] == "inconsistent"
    assert exports["difference"] == pytest.approx(64.7e6 - 54_688_982.48)
    assert only(checked, "import 2021", "value", "BNS")["verdict"] == "consistent"
    assert only(checked, "turnover 2021", "value", "BNS")["verdict"] == "consistent"
    assert only(checked, "turnover 2021", "sum", "statement")["verdict"] == "inconsistent"
    wrong = only(checked, "turnover Jan–Apr 2022", "sum", "statement")
    assert wrong["verdict"] == "inconsistent"
    assert wrong["reason"].endswith("4.134 M USD apart, beyond rounding")
    assert only(checked, "turnover Jan–Apr 2022", "base sum", "statement")["verdict"] == (
        "inconsistent"
    )


def test_consistent_figures(annual):
    text = (
        "In 2021 exports to Mongolia were 54.7 million USD (+99.4%) and imports from "
        "Mongolia 2.44 million USD (+30.3%)."
    )
    checked = check_statements(parse_statements(text), annual, sources="BNS")
    assert set(checked["data_source"]) == {"BNS"}
    assert set(checked["verdict"]) == {"consistent"}
    assert set(checked["check"]) == {"value", "growth", "base"}
    table = verdicts(checked)
    assert table["verdict"].tolist() == ["consistent", "consistent"]
    assert table["recorded_usd"].round(-3).tolist() == [54_689_000.0, 2_441_000.0]


def test_rounding_decides_and_tolerance_widens(annual):
    claims = parse_statements("In 2021 exports to Mongolia were 54.6 million USD.")
    assert check_statements(claims, annual, sources="BNS")["verdict"].tolist() == [
        "inconsistent"
    ]  # 54.689 does not round to 54.6
    loose = check_statements(claims, annual, sources="BNS", tolerance=0.005)
    assert loose["verdict"].tolist() == ["consistent"]  # 0.5% of 54.69 M covers 0.04 M
    coarse = parse_statements("In 2021 exports to Mongolia were 55 million USD.")
    assert check_statements(coarse, annual, sources="BNS")["verdict"].tolist() == ["consistent"]


@pytest.mark.parametrize(
    ("words", "verdict"),
    [
        ("more than 50 million USD", "consistent"),
        ("over 56 million USD", "inconsistent"),
        ("less than 60 million USD", "consistent"),
        ("about 55 million USD", "consistent"),
    ],
)
def test_qualified_figures_are_bounds(annual, words, verdict):
    claims = parse_statements(f"In 2021 exports to Mongolia were {words}.")
    checked = check_statements(claims, annual, sources="BNS")
    assert checked["verdict"].tolist() == [verdict]


def test_growth_in_times(annual):
    up = parse_statements("In 2021 exports to Mongolia grew 2 times.")
    assert check_statements(up, annual, sources="BNS")["verdict"].tolist() == ["consistent"]
    down = parse_statements("In 2021 exports to Mongolia fell 2 times.")
    checked = check_statements(down, annual, sources="BNS")
    assert checked["verdict"].tolist() == ["inconsistent"]
    assert (checked.loc[0, "stated_low"], checked.loc[0, "stated_high"]) == pytest.approx(
        (1 / 2.5 - 1, 1 / 1.5 - 1)
    )


def test_growth_on_an_earlier_year(annual):
    text = "In 2021 exports to Mongolia were 54.7 million USD, 6.1% less than in 2019."
    checked = check_statements(parse_statements(text), annual, sources="COMTRADE")
    growth = only(checked, "export 2021", "growth", "COMTRADE")
    assert growth["base_period"] == "2019"
    assert growth["recorded"] == pytest.approx(21_320.84047 / 58_265.64196 - 1)


def test_a_source_without_the_year_is_not_checkable(annual):
    dots = annual_frame(**{"IMF-DOTS": {2019: (58_246.573, 1_700.0), 2020: (27_000.0, 1_800.0)}})
    checked = check_statements(parse_statements(MAY_2022_EN), [annual, dots])
    row = only(checked, "turnover 2021", "value", "IMF-DOTS")
    assert row["verdict"] == "not checkable"
    assert row["reason"] == "IMF-DOTS: no 2021 figure for KAZ–MNG (it has annual 2019–2020)"
    other = parse_statements("In 2021 exports to China were 1 billion USD.")
    row = check_statements(other, annual, sources="BNS").iloc[0]
    assert row["reason"] == "BNS: no KAZ–CHN data"


def test_monthly_data_check_january_to_month_figures(annual, monthly):
    checked = check_statements(parse_statements(MAY_2022_EN), [annual, monthly])
    for label in ("turnover Jan–Apr 2022", "export Jan–Apr 2022", "import Jan–Apr 2022"):
        for check in ("value", "growth", "base"):
            assert only(checked, label, check, "MONTHLY")["verdict"] == "consistent", (
                label,
                check,
            )
    assert only(checked, "turnover 2021", "value", "MONTHLY")["reason"].startswith(
        "MONTHLY: Jan–Dec 2021 incomplete: no data for 2021-05, 2021-06"
    )
    single = parse_statements("In April 2022 exports to Mongolia were 8.2 million USD.")
    row = check_statements(single, monthly).iloc[0]
    assert row["verdict"] == "consistent"
    assert row["recorded"] == pytest.approx(8.2e6)


def test_a_low_base_is_flagged():
    data = annual_frame(BNS={2020: (1_200.0, 500.0), 2021: (1_500.0, 700.0)})
    text = "In 2021 imports from Mongolia were 0.7 million USD (+40%)."
    checked = check_statements(parse_statements(text), data)
    growth = only(checked, "import 2021", "growth", "BNS")
    assert (growth["verdict"], bool(growth["low_base"])) == ("consistent", True)
    assert growth["reason"].endswith("(growth on a low base of 500 thousand USD)")


def test_unread_figures_are_listed(annual):
    text = "In 2021 trade with Mongolia made 60.9 million USD; exports made up 95% of it."
    checked = check_statements(parse_statements(text), annual)
    row = checked[checked["check"] == "read"].iloc[0]
    assert (row["text"], row["verdict"], row["reason"]) == (
        "95%",
        "not checkable",
        "a share, not a growth rate; not checked",
    )
    assert "- **(not read)** '95%': not checkable: a share" in summarize_checks(checked)


def test_published_claims_frame_shape(annual):
    # The columns kztrade.datasets.load_statements returns, with plain int64 years.
    claims = pd.DataFrame(
        {
            "statement": "s1",
            "source": "MFA-KZ",
            "date": "2022-05",
            "reporter": "KAZ",
            "partner": "MNG",
            "year": [2021],
            "first_month": [1],
            "last_month": [12],
            "measure": ["turnover"],
            "value_usd": [60.9e6],
            "growth": [0.481],
            "text": ["60,9 million USD (+48,1%)"],
        }
    )
    before = claims.copy()
    data_before = annual.copy()
    checked = check_statements(claims, annual)
    assert list(checked["check"].unique()) == ["value", "growth", "base"]
    assert only(checked, "turnover 2021", "value", "BNS")["stated_high"] == 60.95e6
    pd.testing.assert_frame_equal(claims, before)
    pd.testing.assert_frame_equal(annual, data_before)


def test_check_columns_and_order(annual):
    checked = check_statements(parse_statements(MAY_2022_EN), annual)
    assert checked["claim"].is_monotonic_increasing
    assert set(checked["check"]) <= set(CHECKS)
    assert set(checked["verdict"]) <= set(VERDICTS)
    assert str(checked["year"].dtype) == "Int64"


@pytest.mark.parametrize(
    ("claims", "data", "kwargs", "error", "message"),
    [
        ("text", None, {}, ParameterError, r"claims must be a DataFrame .* got str"),
        (
            pd.DataFrame({"year": [2021]}),
            None,
            {},
            ParameterError,
            r"claims lack column\(s\) \['statement', 'source'",
        ),
        (None, "frame", {}, ParameterError, r"data must be a tidy trade frame"),
        (None, None, {"tolerance": -0.1}, ParameterError, r"tolerance must be a fraction"),
        (None, None, {"tolerance": "1%"}, ParameterError, r"tolerance must be a fraction"),
        (
            None,
            None,
            {"sources": ["WITS"]},
            ParameterError,
            r"sources \['WITS'\] are not in the data; it has \['BNS', 'COMTRADE'\]",
        ),
        (None, pd.DataFrame({"x": [1]}), {}, SchemaError, r"missing column\(s\)"),
    ],
)
def test_check_errors(annual, claims, data, kwargs, error, message):
    claims = parse_statements(MAY_2022_EN) if claims is None else claims
    data = annual if data is None else data
    with pytest.raises(error, match=message):
        check_statements(claims, data, **kwargs)


def test_bad_measure_is_refused(annual):
    claims = parse_statements(MAY_2022_EN).assign(measure="exports")
    with pytest.raises(ParameterError, match=r"column 'measure' must be one of \['turnover'"):
        check_statements(claims, annual)


# --------------------------------------------------------------------------- plot


def test_plot_claims(annual):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    checked = check_statements(parse_statements(MAY_2022_EN, source="MFA-KZ"), annual)
    fig, ax = plt.subplots()
    try:
        got = plot_claims(checked, ax=ax)
        assert got is ax
        assert ax.get_title() == "Stated vs recorded trade values, KAZ–MNG: 2021, Jan–Apr 2022"
        assert ax.get_ylabel() == "million USD"
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend == ["stated (MFA-KZ)", "BNS", "COMTRADE"]
        heights = sorted(round(p.get_height(), 3) for p in ax.patches if p.get_height() > 0)
        assert 57.13 in heights and 60.9 in heights and 0.466 in heights
        texts = [t.get_text() for t in ax.texts]
        assert "Stated: MFA-KZ. Recorded: BNS, COMTRADE. No bar: not checkable." in texts
    finally:
        plt.close(fig)
    with pytest.raises(ParameterError, match="plot_claims: the checks hold no stated values"):
        plot_claims(checked[checked["check"] == "sum"])
    with pytest.raises(ParameterError, match="plot_claims: pass the frame returned by"):
        plot_claims(parse_statements(MAY_2022_EN))


def test_count_verdicts(annual):
    checked = check_statements(parse_statements(MAY_2022_EN), annual)
    assert count_verdicts(checked) == {"consistent": 0, "inconsistent": 1, "not checkable": 3}
    assert summarize_checks(checked).startswith(
        "Checked 4 figures against the data: 1 inconsistent, 0 consistent, 3 not checkable."
    )


# --------------------------------------------------------------------------- parameters of a check


def test_check_parameters_accepts_the_defaults():
    assert check_parameters(MAY_2022_EN, partner="MNG", date="2022-05", sources=["BNS"]) is None
    assert check_parameters(MAY_2022_RU, partner="MNG") is None
    assert check_parameters(MAY_2022_EN, partner="") is None


@pytest.mark.parametrize(
    ("statement", "kwargs", "message"),
    [
        ("  ", {}, r"statement must be the text of a statement, e\.g\. 'In 2021"),
        (None, {}, r"statement must be the text of a statement"),
        (MAY_2022_EN, {"partner": "KGZ"}, r"partner='KGZ' but the statement names \['MNG'\]"),
        (MAY_2022_EN, {"partner": None}, r"partner must be an ISO3 code such as 'MNG', or ''"),
        (MAY_2022_EN, {"reporter": "kz"}, r"reporter must be an ISO3 code"),
        (MAY_2022_EN, {"date": "12.05.2022"}, r"date must be an ISO date"),
        (MAY_2022_EN, {"tolerance": 5}, r"tolerance must be a fraction between 0 and 1"),
        (MAY_2022_EN, {"sources": []}, r"sources must be a non-empty list of source names"),
        (MAY_2022_EN, {"sources": "BNS"}, r"sources must be a non-empty list"),
        (
            "Trade with Mongolia is growing.",
            {},
            r"statement: no figure could be read \(a value in USD or a growth rate",
        ),
    ],
)
def test_check_parameters_refuses(statement, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        check_parameters(statement, **kwargs)


def test_empty_sources_are_refused_by_the_check(annual):
    with pytest.raises(ParameterError, match=r"sources is empty; name sources such as \['BNS'\]"):
        check_statements(parse_statements(MAY_2022_EN), annual, sources=[])


def test_misplaced_separators_are_reported():
    assert problems_of("In 2023 exports were 1,23,456 USD.", partner="MNG") == [
        ("1,23,456 USD", "cannot read '1,23,456' as a number: misplaced separators")
    ]


# --------------------------------------------------------------------------- bundled data


def test_bundled_statement_against_bundled_data():
    from kztrade import datasets

    claims = datasets.load_statements()
    annual = datasets.load_partner_annual()
    checked = check_statements(claims, [annual, datasets.load_total_monthly()])
    value = only(checked, "turnover 2021", "value", "BNS")
    assert value["verdict"] == "inconsistent"
    assert value["recorded"] == pytest.approx(57.13e6, abs=0.01e6)
    growth = only(checked, "turnover 2021", "growth", "BNS")
    assert growth["recorded"] == pytest.approx(0.949, abs=0.0005)
    summary = summarize_checks(checked)
    assert (
        "BNS gives 57.13 M USD (+94.9% on 29.31 M USD in 2020), not 60.9 M USD (+48.1%)"
    ) in summary
    assert "not checkable against IMF-DOTS: no 2021 figure for KAZ–MNG" in summary
    span = checked[(checked["year"] == 2022) & (checked["data_source"] != "statement")]
    assert set(span["verdict"]) == {"not checkable"}
    assert span["reason"].str.endswith("a Jan–Apr 2022 figure needs monthly data").all()
    internal = checked[checked["data_source"] == "statement"]
    assert internal["check"].tolist() == ["sum", "base sum"]
    assert set(internal["verdict"]) == {"consistent"}
    # The published claims, read back from their own words, say the same.
    for row in claims.itertuples():
        read = parse_statements(f"In {row.year} {row.measure} was {row.text}.", partner="MNG")
        assert read.loc[0, "value_usd"] == row.value_usd
        assert read.loc[0, "growth"] == pytest.approx(row.growth)


# --------------------------------------------------------------------------- notebook

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "statement_check.ipynb"


def test_notebook_is_committed_clean_and_declares_its_parameters():
    import papermill

    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert code[0]["metadata"]["tags"] == ["parameters"]
    assert "check_parameters(" in "".join(code[1]["source"])
    assert not any("def " in "".join(c["source"]) for c in code)
    declared = papermill.inspect_notebook(str(NOTEBOOK))
    assert list(declared) == [
        "statement",
        "statement_source",
        "statement_date",
        "reporter",
        "partner",
        "sources",
        "tolerance",
    ]
    assert all(p["help"] for p in declared.values())


def test_notebook_runs_on_the_bundled_data(tmp_path, monkeypatch):
    import papermill

    # The suite's Agg backend would reach the kernel and keep the chart out of the notebook.
    monkeypatch.delenv("MPLBACKEND", raising=False)
    out = tmp_path / "statement_check.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(out), kernel_name="python3", cwd=str(tmp_path), progress_bar=False
    )
    nb = json.loads(out.read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"]
    markdown = "".join(
        "".join(o["data"]["text/markdown"]) for o in outputs if "text/markdown" in o.get("data", {})
    )
    assert "BNS gives 57.13 M USD (+94.9% on 29.31 M USD in 2020), not 60.9 M USD" in markdown
    assert "within the statement, consistent" in markdown
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 1

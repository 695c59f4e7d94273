"""Malformed inputs: each file of tests/data/bad/ gets a clear error or a repaired, checked result.

One table, :data:`CASES`, says for every file what a reader must do with it:

- ``error``: raise this :mod:`kztrade.errors` exception, whose message names the file, the
  place (line, column, sheet) and the fix: every listed pattern must be found in it;
- ``warn``: return a frame with correct numbers and say what was repaired with a
  :class:`~kztrade.errors.KztradeWarning` whose message matches every listed pattern;
- ``read``: nothing needs repairing (a byte-order mark, an extra sheet): the numbers are
  checked and no warning is given.

tests/data/bad/README.md describes the files; ``scripts/make_test_files.py --bad-only`` makes
them.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from kztrade.cleaning import drop_aggregates
from kztrade.errors import (
    DoubleCountingError,
    KztradeError,
    KztradeWarning,
    ParseError,
    UnitsError,
    UnknownCountryError,
)
from kztrade.growth import shares
from kztrade.readers import read_bns, read_comtrade, read_dots, read_wide
from kztrade.schema import validate

BAD = Path(__file__).resolve().parent / "data" / "bad"
DATA = BAD.parent

NSO = dict(units="thousand USD", source="NSO-MN", reporter="MNG", flow="export", commodity="TOTAL")
HS = dict(units="thousand USD", source="NSO-MN", reporter="MNG", flow="export", partner="WLD")

# Kazakhstan's exports in 2021 as BNS publishes them (thousand USD), in USD.
MNG_2021 = 54_688_982.48
CHN_2021 = 9_772_505_633.04
RUS_2021 = 7_018_745_764.33


def bns(**kwargs):
    return lambda path: read_bns(path, flow="export", **kwargs)


def wide(**kwargs):
    return lambda path: read_wide(path, **kwargs)


def value(frame, **where) -> float:
    mask = pd.Series(True, index=frame.index)
    for key, wanted in where.items():
        column = frame[key].astype(str)
        mask &= column == wanted
    assert mask.sum() == 1, f"expected one row for {where}, found {int(mask.sum())}"
    return float(frame.loc[mask, "value_usd"].item())


def partners_2021(frame):
    assert value(frame, partner="MNG", period="2021") == pytest.approx(MNG_2021)
    assert value(frame, partner="CHN", period="2021") == pytest.approx(CHN_2021)
    assert value(frame, partner="RUS", period="2021") == pytest.approx(RUS_2021)
    assert len(frame) == 8
    validate(frame)


def comma_beside_points(frame):
    # The plain values' decimal points show that '7,018' is 7018 thousand USD.
    assert value(frame, partner="RUS", period="2021") == pytest.approx(7_018_000.0)
    assert value(frame, partner="MNG", period="2021") == pytest.approx(54_689_000.0)
    assert value(frame, partner="RUS", period="2020") == pytest.approx(5_007_142_523.35)
    validate(frame)


def comma_with_plain_dots(frame):
    partners_2021(frame)
    # '27.433' in a decimal-comma column is 27 433 thousand USD, not 27.433.
    assert value(frame, partner="MNG", period="2020") == pytest.approx(27_433_000.0)
    assert value(frame, partner="RUS", period="2020") == pytest.approx(5_007_143_000.0)


def wide_comma_with_plain_dots(frame):
    assert value(frame, partner="RUS", period="2019") == pytest.approx(1_520_000.0)
    assert value(frame, partner="RUS", period="2021") == pytest.approx(1_688_000.0)
    assert value(frame, partner="KAZ", period="2019") == pytest.approx(6_234_600.0)
    assert value(frame, partner="CHN", period="2019") == pytest.approx(5_979_960_000.0)
    assert len(frame) == 9


def dots_figures(frame):
    # Mongolia's imports from Kazakhstan 2019 (CIF) and exports to it, as IMF DOTS publishes.
    assert value(frame, partner="KAZ", flow="import", period="2019") == pytest.approx(29_108_839.0)
    assert value(frame, partner="KAZ", flow="export", period="2019") == pytest.approx(6_234_626.0)
    assert len(frame) == 79


def world_then_sum(path):
    frame = read_wide(path, **NSO)
    assert "WLD" in set(frame["partner"])
    parts = shares(drop_aggregates(frame))
    assert parts.groupby("period")["share"].sum().tolist() == pytest.approx([1.0] * 3)
    return shares(frame)


def nested_then_sum(path):
    frame = read_wide(path, **HS)
    one_level = frame[frame["commodity"].str.len() == 2]
    assert shares(one_level, of="commodity")["share"].sum() == pytest.approx(3.0)
    return shares(frame, of="commodity")


def two_sources_then_sum(path):
    bns_frame = read_bns(DATA / "bns_exports_by_partner.csv", flow="export")
    wits = read_bns(path, flow="export", source="WITS")
    both = pd.concat([bns_frame, wits], ignore_index=True)
    # With the source as a group each source's shares sum to 1; across sources they would not.
    ok = shares(both[both["period"].astype(str) == "2021"])
    assert ok.groupby("source")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    return shares(both, within=("period", "reporter", "flow"))


@dataclass(frozen=True)
class Case:
    file: str
    call: object
    outcome: str  # "error", "warn" or "read"
    what: str  # what is wrong, for tests/data/bad/README.md
    error: type | None = None
    patterns: tuple[str, ...] = ()
    check: object = None
    names_file: bool = True
    extra: dict = field(default_factory=dict)


def E(file, call, error, *patterns, what, names_file=True):  # noqa: N802 - table rows
    return Case(file, call, "error", what, error, patterns, names_file=names_file)


def W(file, call, check, *patterns, what):  # noqa: N802
    return Case(file, call, "warn", what, None, patterns, check)


def R(file, call, check, *, what):  # noqa: N802
    return Case(file, call, "read", what, None, (), check)


FIX = r"(export|download) it again"

CASES = [
    # ---------------------------------------------------------------- file level
    E("bns_empty.csv", bns(), ParseError, "the file is empty", FIX, what="empty file (0 bytes)"),
    E(
        "bns_html_error_page.csv",
        bns(),
        ParseError,
        "a web page",
        "error page",
        FIX,
        what="an HTML error page saved under the CSV's name",
    ),
    E(
        "bns_header_only.csv",
        bns(),
        ParseError,
        r"has a header \(date, region",
        "no data rows",
        FIX,
        what="header line only",
    ),
    E(
        "bns_truncated.csv",
        bns(),
        ParseError,
        "line 8",
        r"cut off \(5 of 6 fields",
        "truncated",
        FIX,
        what="download cut in the middle of a line",
    ),
    E(
        "bns_cp1251.csv",
        bns(),
        ParseError,
        "line 2",
        "not UTF-8",
        "Windows-1251",
        "encoding='cp1251'",
        what="Windows-1251 text with Russian names",
    ),
    E(
        "wide_latin1.csv",
        wide(**NSO),
        ParseError,
        "line 2",
        "not UTF-8",
        "Latin-1",
        "encoding='cp1252'",
        what="Latin-1 text (Côte d'Ivoire, Curaçao)",
    ),
    R("bns_bom.csv", bns(), partners_2021, what="UTF-8 byte-order mark (Excel's CSV UTF-8)"),
    W(
        "bns_utf16_excel_unicode_text.txt",
        bns(),
        partners_2021,
        "UTF-16",
        "tabs",
        what="Excel 'Unicode Text': UTF-16, tab-separated",
    ),
    W(
        "bns_semicolon.csv",
        bns(),
        partners_2021,
        "separated by semicolons",
        r"decimal comma.*line 2, column 'value', '7018745,76433'",
        what="semicolon separator and decimal commas (European Excel)",
    ),
    W("bns_tab.tsv", bns(), partners_2021, "separated by tabs", what="tab separator"),
    W(
        "bns_russian_headers.csv",
        bns(),
        partners_2021,
        "column names translated",
        "'Значение' → 'value'",
        what="Russian column names (Дата, Значение, ...)",
    ),
    # ---------------------------------------------------------------- numbers
    W(
        "bns_decimal_comma.csv",
        bns(),
        partners_2021,
        r"8 value\(s\) written with thousands separators or a decimal comma",
        what="decimal commas (quoted)",
    ),
    W(
        "bns_thousands_comma.csv",
        bns(),
        partners_2021,
        r"line 2, column 'value', '7,018,745.76433'",
        what="thousands commas, decimal point",
    ),
    W(
        "bns_thousands_dot.csv",
        bns(),
        partners_2021,
        r"'7.018.745,76433'",
        what="thousands dots, decimal comma",
    ),
    W(
        "bns_thousands_space.csv",
        bns(),
        partners_2021,
        r"'7 018 745,76433'",
        what="thousands spaces, decimal comma",
    ),
    W(
        "bns_thousands_nbsp.csv",
        bns(),
        partners_2021,
        r"thousands separators",
        what="thousands non-breaking spaces (U+00A0)",
    ),
    W(
        "bns_thousands_narrow_nbsp.csv",
        bns(),
        partners_2021,
        r"thousands separators",
        what="thousands narrow no-break spaces (U+202F)",
    ),
    W(
        "bns_thousands_apostrophe.csv",
        bns(),
        partners_2021,
        "\"7'018'745.76433\"",
        what="thousands apostrophes (Swiss style)",
    ),
    W(
        "bns_thousands_comma_integers.csv",
        bns(),
        lambda f: (
            (
                value(f, partner="MNG", period="2021") == pytest.approx(54_689_000.0)
                and value(f, partner="NAM", period="2021") == pytest.approx(20_000.0)
            )
            or pytest.fail("'54,689' must be read as 54689 where '7,018,746' shows the comma")
        ),
        r"'7,018,746'",
        what="whole numbers with thousands commas ('54,689' beside '7,018,746')",
    ),
    E(
        "bns_thousands_ambiguous.csv",
        bns(),
        ParseError,
        "line 2, column 'value'",
        "ambiguous number '7,018'",
        r"pass decimal=','",
        what="'7,018' alone: a decimal or a thousands comma",
    ),
    E(
        "bns_thousands_unquoted.csv",
        bns(),
        ParseError,
        "line 2",
        "8 fields but the header has 6",
        "unquoted thousands separator",
        "quote such values",
        what="unquoted thousands commas split a value into fields",
    ),
    E(
        "bns_mixed_decimal_marks.csv",
        bns(),
        ParseError,
        "column 'value'",
        "mixes decimal marks",
        r"line 3",
        "one decimal mark",
        what="'7,018,745.76' and '9.772.505,63' in one column",
    ),
    W(
        "bns_thousands_comma_beside_points.csv",
        bns(),
        comma_beside_points,
        r"3 value\(s\) written with thousands separators",
        "the decimal mark is '.' for the whole column",
        "line 2, column 'value', '7,018' → 7018",
        what="'7,018' beside plain values with a decimal point, which show the mark",
    ),
    E(
        "bns_points_ambiguous.csv",
        bns(),
        ParseError,
        "line 2, column 'value'",
        "ambiguous number '7.018'",
        r"nothing else in the column shows the decimal mark \(6 such value\(s\)\)",
        r"pass decimal=','",
        what="only '7.018'-like values: a decimal point or a thousands dot",
    ),
    W(
        "bns_decimal_comma_plain_dots.csv",
        bns(),
        comma_with_plain_dots,
        r"7 value\(s\) written with thousands separators",
        "the decimal mark is ',' for the whole column",
        r"1 of them had only a '\.', read as a thousands separator",
        r"line 8, column 'value', '27\.433' → 27433",
        what="decimal commas, and a whole number with a dot only ('27.433' is 27 433)",
    ),
    E(
        "bns_decimal_marks_plain_and_comma.csv",
        bns(),
        ParseError,
        "column 'value'",
        "mixes decimal marks",
        r"'7\.018\.745,76433' \(line 2\)",
        r"'5007142\.52335' \(line 6\)",
        "one decimal mark",
        what="'7.018.745,76' beside a plain '5007142.52' in one column",
    ),
    W(
        "wide_decimal_comma_plain_dots.csv",
        wide(**NSO),
        wide_comma_with_plain_dots,
        "the decimal mark is ',' for the whole table",
        r"3 of them had only a '\.'",
        r"line 4, column '2019', '1\.520' → 1520",
        what="wide table with decimal commas and whole numbers with dots only ('1.520')",
    ),
    W(
        "bns_footnote_markers.csv",
        bns(),
        lambda f: partners_2021(f) or len(f.attrs["footnotes"]) == 3 or pytest.fail(),
        r"3 footnote marker\(s\)",
        "'7 018 745.76433\\*'",
        what="footnote markers: '1 234*', '12.5e', '(p)'",
    ),
    W(
        "bns_not_published_markers.csv",
        bns(),
        lambda f: (
            (
                value(f, partner="MNG", period="2021") == pytest.approx(MNG_2021)
                and len(f) == 5
                and [c[2] for c in f.attrs["missing_cells"]] == ["..", "x", "-"]
            )
            or pytest.fail("markers must be left out and listed")
        ),
        r"3 value\(s\) marked as not published were left out",
        "line 2 '..'",
        "unknown, not zero",
        what="'..', 'x', '-' for values not published",
    ),
    E(
        "bns_all_not_published.csv",
        bns(),
        ParseError,
        "column 'value'",
        r"no values: all 8 row\(s\) are marked as not published",
        "not read them as zero",
        what="every value marked as not published",
    ),
    E(
        "bns_text_in_value.csv",
        bns(),
        ParseError,
        "line 3, column 'value'",
        "not a number: 'нет данных'",
        "correct the cell",
        what="text in the value column",
    ),
    E(
        "bns_negative_value.csv",
        bns(),
        ParseError,
        "line 4, column 'value'",
        "negative value '-54688.98248'",
        "correct the row or remove it",
        what="negative trade value",
    ),
    E(
        "bns_brackets_value.csv",
        bns(),
        ParseError,
        "line 4, column 'value'",
        "brackets may mean a negative value",
        "correct the cell",
        what="accounting brackets '(54688.98)'",
    ),
    E(
        "bns_huge_1e300.csv",
        bns(),
        ParseError,
        "line 2, column 'value'",
        "more than all world trade",
        "check the units",
        what="1e300",
    ),
    E(
        "bns_20_digit_integer.csv",
        bns(),
        ParseError,
        "line 2, column 'value'",
        "'12345678901234567890'",
        "more than all world trade",
        what="20-digit integer",
    ),
    E(
        "bns_excel_rounded.csv",
        bns(),
        ParseError,
        "line 2, column 'value'",
        "'7.02E\\+06' keeps only 3 significant digit",
        "format the column as Number",
        what="values Excel rounded to 3 digits ('7.02E+06')",
    ),
    R(
        "bns_r_scientific.csv",
        bns(),
        partners_2021,
        what="exact scientific notation as R writes it ('5.468898248e+04')",
    ),
    # ---------------------------------------------------------------- rows and periods
    W(
        "bns_duplicated_row.csv",
        bns(),
        partners_2021,
        r"1 row\(s\) repeat an earlier row exactly",
        r"lines \[10\]",
        what="one row repeated exactly",
    ),
    E(
        "bns_two_releases.csv",
        bns(),
        ParseError,
        "line 4",
        "same date and item_code with different values",
        r"lines \[4, 10\]",
        "keeping the figure you trust",
        what="same flow twice with two values (two releases)",
    ),
    E(
        "wits_same_flow.csv",
        two_sources_then_sum,
        DoubleCountingError,
        r"rows of several sources \['BNS', 'WITS'\]",
        "period=2021",
        "filter by source first",
        what="same flow from BNS and WITS, summed across sources",
        names_file=False,
    ),
    E(
        "bns_regional_rows.csv",
        bns(),
        ParseError,
        "column 'region'",
        r"regional rows \['Almaty city'\]",
        "filter the file to region == 'national'",
        what="regional rows beside national ones",
    ),
    E(
        "bns_partners_and_chapters.csv",
        bns(),
        ParseError,
        "line 5, column 'item_code'",
        r"\['HS01'\]",
        "split it",
        what="partner codes and HS chapters in one file",
    ),
    E(
        "bns_mixed_frequencies.csv",
        bns(),
        ParseError,
        "line 10, column 'date'",
        "dates mix frequencies",
        "split the file by frequency",
        what="annual and monthly rows in one file",
    ),
    E(
        "wide_mixed_frequencies.csv",
        wide(**NSO),
        ParseError,
        r"columns mix years \['2019', '2020'\] and months \['2021-01'\]",
        "split the table by frequency",
        what="year and month columns in one table",
    ),
    E(
        "bns_future_period.csv",
        bns(),
        ParseError,
        "line 5, column 'date'",
        "period '2099' lies in the future",
        "correct or remove it",
        what="a period in the future (2099)",
    ),
    E(
        "wide_future_period.csv",
        wide(**NSO),
        ParseError,
        "period '2099' lies in the future",
        "correct or remove it",
        what="a period column in the future",
    ),
    W(
        "bns_month_missing.csv",
        bns(),
        lambda f: (
            (
                f.attrs["gaps"] == [("WLD", "TOTAL", "2021-06")]
                and value(f, period="2021-07") == pytest.approx(4_971_127_300.0)
                and len(f) == 23
            )
            or pytest.fail("gap must be listed, other months read")
        ),
        r"1 month\(s\) missing inside a series \(WLD/TOTAL 2021-06\)",
        "unknown, not zero",
        what="monthly series with June 2021 missing",
    ),
    W(
        "bns_cumulative_month_missing.csv",
        bns(),
        lambda f: (
            (
                "2022-04" not in set(f["period"].astype(str))
                and value(f, period="2022-05") == pytest.approx(7_916_154_600.0, abs=1e3)
                and value(f, period="2022-02") == pytest.approx(6_068_517_100.0, abs=1e3)
            )
            or pytest.fail("the month after a gap in a cumulative series is unknowable")
        ),
        r"1 cumulative value\(s\) follow a missing month",
        "TOTAL 2022-04",
        what="January-to-month series with March 2022 missing",
    ),
    E(
        "bns_cumulative_as_monthly.csv",
        bns(kind="monthly"),
        UnitsError,
        "column 'value'",
        "declared kind='monthly'",
        "look cumulative",
        "pass kind='cumulative'",
        what="cumulative values declared monthly",
    ),
    E(
        "bns_monthly_as_cumulative.csv",
        bns(kind="cumulative"),
        UnitsError,
        "column 'value'",
        "declared kind='cumulative'",
        "look monthly",
        "pass kind='monthly'",
        what="monthly values declared cumulative",
    ),
    # ---------------------------------------------------------------- aggregates and codes
    E(
        "wide_world_with_partners.csv",
        world_then_sum,
        DoubleCountingError,
        "partner 'WLD'",
        r"\['CHN', 'KAZ'\]",
        "drop the aggregate rows",
        what="World total row beside partners, then summed",
        names_file=False,
    ),
    E(
        "wide_group_rows.csv",
        wide(**NSO),
        ParseError,
        "line 4, column 'partner'",
        "'European Union' is a group of economies",
        "remove the row",
        what="a group of economies (EU) beside countries",
    ),
    E(
        "wide_nested_hs.csv",
        nested_then_sum,
        DoubleCountingError,
        "HS code '01' and its own sub-code '0101'",
        "keep one level of detail",
        what="HS chapter and its headings, then summed",
        names_file=False,
    ),
    W(
        "wide_hs_lost_zeros.csv",
        wide(**HS),
        lambda f: (
            (
                sorted(set(f["commodity"])) == ["0101", "0102", "8471"]
                and value(f, commodity="0101", period="2019") == pytest.approx(512_000.0)
            )
            or pytest.fail()
        ),
        "column 'commodity'",
        "lost their leading zero",
        "'101' → '0101'",
        what="HS codes without their leading zero ('101' for 0101)",
    ),
    W(
        "wide_hs_float.csv",
        wide(**HS),
        lambda f: sorted(set(f["commodity"])) == ["2709", "8471"] or pytest.fail(),
        "'8471.0' → '8471'",
        what="HS codes read as numbers ('8471.0')",
    ),
    E(
        "wide_hs_scientific.csv",
        wide(**HS),
        ParseError,
        "column 'commodity'",
        r"'1.01E\+05', '8.47E\+03'",
        "digits are lost",
        "format the code column as Text",
        what="HS codes in Excel's scientific format ('1.01E+05', '8.47E+03')",
    ),
    W(
        "comtrade_hs_lost_zeros.csv",
        read_comtrade,
        lambda f: f["commodity"].tolist() == ["0101"] or pytest.fail(),
        "column 'cmdCode'",
        "'101' → '0101'",
        what="Comtrade cmdCode '101' for 0101",
    ),
    E(
        "wide_ambiguous_countries.csv",
        wide(**NSO),
        UnknownCountryError,
        "'Korea' could be KOR or PRK",
        "'Congo' could be COG or COD",
        "extra_names=",
        what="'Korea' and 'Congo'",
    ),
    E(
        "wide_russian_names.csv",
        wide(**NSO),
        UnknownCountryError,
        "'Корея' could be KOR or PRK",
        what="Russian names, one ambiguous ('Корея')",
    ),
    E(
        "wide_russian_names_unknown.csv",
        wide(**NSO),
        UnknownCountryError,
        "2 country name",
        "'Бирма', 'Киргизия'",
        "extra_names=",
        what="Russian names BNS does not use ('Киргизия', 'Бирма')",
    ),
    W(
        "wide_not_published_markers.csv",
        wide(**NSO),
        lambda f: (
            (
                len(f) == 3
                and len(f.attrs["empty_cells"]) == 3
                and value(f, partner="KAZ", period="2019") == pytest.approx(6_234_600.0)
            )
            or pytest.fail()
        ),
        r"3 value\(s\) marked as not published",
        what="'..', 'x', '-' in a wide table",
    ),
    # ---------------------------------------------------------------- units
    E(
        "wide_units_mixed.csv",
        wide(**NSO),
        UnitsError,
        "line 3, column 'units'",
        r"mixes units \['million USD', 'thousand USD'\]",
        "split it by units",
        what="thousand and million USD rows in one table",
    ),
    E(
        "wide_units_contradict.csv",
        wide(**NSO),
        UnitsError,
        "column 'units'",
        "states units 'million USD' but units='thousand USD'",
        "pass that",
        what="units column contradicts the stated units",
    ),
    E(
        "dots_units_missing.xlsx",
        read_dots,
        UnitsError,
        "sheet 'Exports, FOB'",
        "units line",
        "is missing",
        what="IMF workbook without its units line",
    ),
    W(
        "dots_units_differ_by_sheet.xlsx",
        read_dots,
        dots_figures,
        "sheets state different units",
        "'Imports, CIF': 'US Dollars, Thousands'",
        what="imports sheet in thousands, exports in millions",
    ),
    # ---------------------------------------------------------------- IMF layout
    E(
        "dots_no_header_row.xlsx",
        read_dots,
        ParseError,
        "sheet 'Exports, FOB'",
        "no header row of years",
        "restore the row of years",
        what="IMF workbook without its header row of years",
    ),
    R(
        "dots_years_moved.xlsx",
        read_dots,
        dots_figures,
        what="IMF workbook with rows and an empty column inserted",
    ),
    R("dots_extra_sheet.xlsx", read_dots, dots_figures, what="IMF workbook with an extra sheet"),
    E(
        "dots_renamed_sheet.xlsx",
        read_dots,
        ParseError,
        r"sheet\(s\) \['Exports, FOB'\] not found",
        "'Exports FOB'",
        what="IMF sheet renamed ('Exports FOB')",
    ),
    E(
        "dots_cell_turned_date.xlsx",
        read_dots,
        ParseError,
        "sheet 'Exports, FOB': cell for 'Kazakhstan, Rep. of' 2019 holds a date",
        "format the cells as Number",
        what="a figure Excel turned into a date (6.12 → 6 December)",
    ),
    E(
        "dots_html_error_page.xlsx",
        read_dots,
        ParseError,
        "a web page",
        "not an Excel workbook",
        "download it again",
        what="an HTML error page saved as .xlsx",
    ),
    E(
        "dots_truncated.xlsx",
        read_dots,
        ParseError,
        "damaged or cut off",
        "download or save it again",
        what="workbook download cut off (first 3000 bytes)",
    ),
    E(
        "dots_future_year.xlsx",
        read_dots,
        ParseError,
        "sheet 'Exports, FOB'",
        "year 2099 in the header row lies in the future",
        "correct it",
        what="IMF header year 2099",
    ),
    # ---------------------------------------------------------------- UN Comtrade
    R(
        "comtrade_plus_breakdown.csv",
        read_comtrade,
        lambda f: (
            (
                value(f, partner="MNG", flow="export") == pytest.approx(58_265_641.96)
                and value(f, partner="MNG", flow="import") == pytest.approx(1_748_492.69)
                and len(f) == 2
            )
            or pytest.fail("only the totals over partner2, customs and transport mode")
        ),
        what="Comtrade Plus rows by partner2, customs procedure, transport mode, re-exports",
    ),
    E(
        "comtrade_empty.csv",
        read_comtrade,
        ParseError,
        "the file is empty",
        "download (it|the file) again",
        what="empty Comtrade file",
    ),
    E(
        "comtrade_header_only.csv",
        read_comtrade,
        ParseError,
        "no data rows",
        "download (it|the file) again",
        what="Comtrade header only (a query with no result)",
    ),
    E(
        "comtrade_truncated.csv",
        read_comtrade,
        ParseError,
        "line 3",
        "(cut off|wrong number of fields)",
        "download (it|the file) again",
        what="Comtrade download cut mid-line",
    ),
]


def test_every_file_has_one_case():
    files = sorted(p.name for p in BAD.iterdir() if p.name != "README.md")
    assert sorted(c.file for c in CASES) == files


def readme_table() -> str:
    """The table of tests/data/bad/README.md, made from :data:`CASES`."""

    def plain(pattern: str) -> str:
        return re.sub(r"\\(.)", r"\1", pattern).replace("|", "/")

    rows = ["| file | what is wrong | expected outcome |", "|---|---|---|"]
    for case in CASES:
        said = "; ".join(plain(p) for p in case.patterns)
        if case.outcome == "error" and case.names_file:
            outcome = f"error `{case.error.__name__}`: {said}"
        elif case.outcome == "error":
            outcome = f"reads; summing raises `{case.error.__name__}`: {said}"
        elif case.outcome == "warn":
            outcome = f"repaired + `KztradeWarning`: {said}"
        else:
            outcome = "read as is, numbers checked"
        rows.append(f"| `{case.file}` | {case.what} | {outcome} |")
    return "\n".join(rows) + "\n"


def test_readme_table_matches_the_cases():
    readme = (BAD / "README.md").read_text(encoding="utf-8")
    assert readme_table() in readme, "regenerate the README table from readme_table()"


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_bad_input(case):
    path = BAD / case.file
    before = path.read_bytes()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if case.outcome == "error":
            with pytest.raises(KztradeError) as info:
                case.call(path)
            assert type(info.value) is case.error, repr(info.value)
            message = str(info.value)
            if case.names_file:
                assert case.file in message
            for pattern in case.patterns:
                assert re.search(pattern, message), f"{pattern!r} not in {message!r}"
        else:
            frame = case.call(path)
            case.check(frame)
    ours = [w for w in caught if issubclass(w.category, KztradeWarning)]
    if case.outcome == "warn":
        assert ours, "expected a KztradeWarning"
        text = "\n".join(str(w.message) for w in ours)
        assert case.file in text
        for pattern in case.patterns:
            assert re.search(pattern, text), f"{pattern!r} not in {text!r}"
    elif case.outcome == "read":
        assert not ours, [str(w.message) for w in ours]
    # Nothing else escapes: no pandas or numpy warnings either.
    others = [w for w in caught if not issubclass(w.category, KztradeWarning)]
    assert not others, [str(w.message) for w in others]
    assert path.read_bytes() == before


def test_named_encodings_read_the_names():
    frame = read_bns(BAD / "bns_cp1251.csv", flow="export", encoding="cp1251")
    partners_2021(frame)
    assert "Монголия" in (BAD / "bns_cp1251.csv").read_bytes().decode("cp1251")
    latin = read_wide(BAD / "wide_latin1.csv", encoding="cp1252", **NSO)
    assert sorted(set(latin["partner"])) == ["CIV", "CUW"]


def test_ambiguous_names_resolve_when_named():
    frame = read_wide(
        BAD / "wide_ambiguous_countries.csv",
        country_names={"Korea": "KOR", "Congo": "COD"},
        **NSO,
    )
    assert sorted(set(frame["partner"])) == ["COD", "KOR", "MNG"]


def test_stated_decimal_mark_reads_the_ambiguous_file():
    with pytest.warns(KztradeWarning, match="thousands separators"):
        frame = read_bns(BAD / "bns_thousands_ambiguous.csv", flow="export", decimal=".")
    assert value(frame, partner="RUS", period="2021") == pytest.approx(7_018_000.0)


def test_warnings_can_be_made_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error", KztradeWarning)
        with pytest.raises(KztradeWarning, match="separated by semicolons"):
            read_bns(BAD / "bns_semicolon.csv", flow="export")


def test_outcome_counts():
    counts = pd.Series([c.outcome for c in CASES]).value_counts().to_dict()
    assert len(CASES) >= 40 and set(counts) == {"error", "warn", "read"}

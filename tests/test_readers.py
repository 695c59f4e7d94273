import shutil

import pandas as pd
import pytest

from kztrade.cleaning import cumulate
from kztrade.errors import (
    KztradeWarning,
    ParameterError,
    ParseError,
    UnitsError,
    UnknownCountryError,
)
from kztrade.readers import read_bns, read_comtrade, read_dots, read_wide
from kztrade.schema import frequency, validate


def at(frame, **where):
    mask = pd.Series(True, index=frame.index)
    for key, value in where.items():
        column = frame[key].astype(str) if key == "period" else frame[key]
        mask &= column == value
    return frame.loc[mask, "value_usd"]


# --------------------------------------------------------------------------- BNS


def test_bns_partner_file(data_dir):
    f = read_bns(data_dir / "bns_exports_by_partner.csv", flow="export")
    validate(f)
    assert at(f, partner="MNG", period="2021").item() == pytest.approx(54_688_982.48)
    assert set(f["commodity"]) == {"TOTAL"}
    assert "NAM" not in set(f["partner"]) or True  # Namibia would stay a code, never NaN
    assert frequency(f) == "Y"


def test_bns_chapter_file_is_monthly_with_names(data_dir):
    # September 2022 was published as a TOTAL row only: the chapters' gap is said, not filled.
    with pytest.warns(KztradeWarning, match="4 month\\(s\\) missing inside a series"):
        f = read_bns(data_dir / "bns_exports_by_hs_chapter.csv", flow="export")
    assert {gap[-1] for gap in f.attrs["gaps"]} == {"2022-09"}
    assert frequency(f) == "M"
    assert set(f["commodity"]) == {"01", "26", "27", "72", "TOTAL"}
    assert f.loc[f.commodity == "01", "commodity_name"].iloc[0] == "01 Живые животные"
    assert f["partner"].eq("WLD").all()


def test_bns_cumulative_file_is_detected_and_decumulated(data_dir, tmp_path):
    with pytest.warns(KztradeWarning, match="missing inside a series"):
        monthly = read_bns(data_dir / "bns_exports_by_hs_chapter.csv", flow="export")
    raw = pd.read_csv(data_dir / "bns_exports_by_hs_chapter.csv", dtype=str, keep_default_na=False)
    raw["value"] = raw["value"].astype(float)
    periods = pd.PeriodIndex(pd.to_datetime(raw["date"]), freq="M")
    cumulative = []
    for _, group in raw.assign(period=periods).groupby("item_code"):
        s = cumulate(group.set_index("period")["value"])
        cumulative.append(group.assign(value=s.to_numpy()))
    path = tmp_path / "cumulative.csv"
    # A chapter missing in a month makes its later cumulative values unknowable: leave them out.
    cumulative = pd.concat(cumulative).dropna(subset=["value"])
    cumulative.drop(columns="period").to_csv(path, index=False)
    back = read_bns(path, flow="export")
    merged = monthly.merge(back, on=["period", "commodity"], suffixes=("", "_back"))
    assert len(merged) == len(back) > 0.8 * len(monthly)
    assert (merged["value_usd"] - merged["value_usd_back"]).abs().max() < 0.01


def test_bns_file_is_never_modified(data_dir, tmp_path):
    path = tmp_path / "copy.csv"
    shutil.copy(data_dir / "bns_exports_by_partner.csv", path)
    before = path.read_bytes()
    read_bns(path, flow="export")
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("edit", "error", "message"),
    [
        (
            lambda t: t.replace("54688.98248", "54688.98 t"),
            ParseError,
            r"line \d+, column 'value': value is not a number: '54688.98 t'",
        ),
        (lambda t: t.replace("54688.98248", ""), ParseError, r"column 'value': value is empty"),
        (
            lambda t: t.replace(",level", ",yoy_pct", 1),
            UnitsError,
            r"line 2, column 'transformation'",
        ),
        (lambda t: t.replace("national", "Almaty", 1), ParseError, r"regional rows \['Almaty'\]"),
        (
            lambda t: t.replace("2021-12-31", "31.12.2021", 1),
            ParseError,
            r"column 'date': date '31.12.2021' is not YYYY-MM-DD",
        ),
        (lambda t: t.replace("value,", "amount,"), ParseError, r"missing column\(s\) \['value'\]"),
    ],
)
def test_bns_broken_files_name_line_and_column(data_dir, tmp_path, edit, error, message):
    text = (data_dir / "bns_exports_by_partner.csv").read_text(encoding="utf-8")
    path = tmp_path / "broken.csv"
    path.write_text(edit(text), encoding="utf-8")
    with pytest.raises(error, match=message) as info:
        read_bns(path, flow="export")
    assert str(path) in str(info.value)


def test_bns_duplicates_and_flow(data_dir, tmp_path):
    text = (data_dir / "bns_exports_by_partner.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    path = tmp_path / "dup.csv"
    path.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    with pytest.warns(KztradeWarning, match=r"1 row\(s\) repeat an earlier row exactly"):
        once = read_bns(path, flow="export")
    assert once["value_usd"].sum() == pytest.approx(
        read_bns(data_dir / "bns_exports_by_partner.csv", flow="export")["value_usd"].sum()
    )
    changed = lines[1].replace(lines[1].split(",")[4], "1.5")
    path.write_text("\n".join([*lines, changed]) + "\n", encoding="utf-8")
    with pytest.raises(ParseError, match="rows repeat the same date and item_code with different"):
        read_bns(path, flow="export")
    with pytest.raises(ParseError, match="flow must be 'export' or 'import'"):
        read_bns(data_dir / "bns_exports_by_partner.csv", flow="exports")


# --------------------------------------------------------------------------- IMF DOTS


def test_dots_workbook(data_dir):
    f = read_dots(data_dir / "dots_mongolia.xlsx")
    assert set(f["reporter"]) == {"MNG"}
    assert at(f, partner="KAZ", flow="import", period="2019").item() == pytest.approx(29_108_839.0)
    assert at(f, partner="KAZ", flow="export", period="2019").item() == pytest.approx(6_234_626.0)
    assert "WLD" in set(f["partner"])
    assert "Euro Area" in f.attrs["dropped_aggregates"]
    assert f["estimated"].any()
    # Australia is printed twice in the workbook, identically: read once.
    assert len(at(f, partner="AUS", flow="export", period="2019")) == 1


def test_dots_can_drop_world(data_dir):
    f = read_dots(data_dir / "dots_mongolia.xlsx", aggregates="drop")
    assert "WLD" not in set(f["partner"])
    assert "World" in f.attrs["dropped_aggregates"]


def test_dots_estimates_are_flagged(data_dir):
    f = read_dots(data_dir / "dots_mongolia.xlsx")
    row = f[(f.partner == "AUS") & (f.flow == "export") & (f.period.astype(str) == "1981")]
    assert row["estimated"].item() is True or bool(row["estimated"].item())
    assert row["value_usd"].item() == pytest.approx(30_000.0)


def _edit_workbook(src, dst, edit):
    import openpyxl

    wb = openpyxl.load_workbook(src)
    edit(wb)
    wb.save(dst)


def test_dots_broken_workbooks(data_dir, tmp_path):
    path = tmp_path / "bad.xlsx"

    def bad_cell(wb):
        ws = wb["Exports, FOB"]
        for row in ws.iter_rows():
            if row[1].value == "Kazakhstan, Rep. of":
                row[-2].value = "n.a."

    _edit_workbook(data_dir / "dots_mongolia.xlsx", path, bad_cell)
    with pytest.raises(
        ParseError,
        match=r"bad.xlsx, line \d+: sheet 'Exports, FOB': "
        r"cell 'n.a.' for 'Kazakhstan, Rep. of' 2019",
    ):
        read_dots(path)

    _edit_workbook(data_dir / "dots_mongolia.xlsx", path, lambda wb: wb.remove(wb["Imports, CIF"]))
    with pytest.raises(ParseError, match=r"sheet\(s\) \['Imports, CIF'\] not found"):
        read_dots(path)

    def unknown_partner(wb):
        for row in wb["Exports, FOB"].iter_rows():
            if row[1].value == "Russian Federation":
                row[1].value = "Ruritania"

    _edit_workbook(data_dir / "dots_mongolia.xlsx", path, unknown_partner)
    with pytest.raises(UnknownCountryError, match="'Ruritania'"):
        read_dots(path)

    def negative(wb):
        for row in wb["Imports, CIF"].iter_rows():
            if row[1].value == "Kazakhstan, Rep. of":
                row[-1].value = -1.5

    _edit_workbook(data_dir / "dots_mongolia.xlsx", path, negative)
    with pytest.raises(ParseError, match="1 negative value.*negative='drop'"):
        read_dots(path)
    kept = read_dots(path, negative="drop")
    assert kept.attrs["negative_cells"][0]["partner_name"] == "Kazakhstan, Rep. of"


def test_dots_missing_file(tmp_path):
    with pytest.raises(ParseError, match="no such file"):
        read_dots(tmp_path / "none.xlsx")


# --------------------------------------------------------------------------- UN Comtrade


def test_comtrade_guards_double_counting(data_dir):
    f = read_comtrade(data_dir / "comtrade_kaz_2019.csv")
    validate(f)
    # Breakdowns by mode of transport, partner2 and customs procedure, and re-exports,
    # are left out: Mongolia's exports are counted once.
    assert at(f, partner="MNG", flow="export").tolist() == [pytest.approx(58_265_641.96)]
    assert at(f, partner="MNG", flow="import").tolist() == [pytest.approx(1_748_492.69)]
    assert at(f, partner="WLD", commodity="TOTAL", flow="export").item() == pytest.approx(
        58_061_140_803.89
    )
    assert sorted(f.loc[f.partner == "WLD", "commodity"]) == ["26", "27", "72", "TOTAL", "TOTAL"]


def test_comtrade_level_selection(data_dir):
    chapters = read_comtrade(data_dir / "comtrade_kaz_2019.csv", level=2)
    assert sorted(chapters["commodity"]) == ["26", "27", "72"]
    with pytest.raises(ParameterError, match="level must be 2, 4, 6 or 'TOTAL'"):
        read_comtrade(data_dir / "comtrade_kaz_2019.csv", level=3)


def test_comtrade_monthly_periods(data_dir, tmp_path):
    text = (data_dir / "comtrade_kaz_2019.csv").read_text()
    lines = text.splitlines()
    monthly = [lines[0]] + [
        line.replace("C,A,20190101,2019,52,2019,", "C,M,20190401,2019,4,201904,")
        for line in lines[1:3]
    ]
    path = tmp_path / "monthly.csv"
    path.write_text("\n".join(monthly) + "\n")
    f = read_comtrade(path)
    assert f["period"].astype(str).tolist() == ["2019-04", "2019-04"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.replace(",X,Export,496", ",XX,Export,496", 1),
            r"unknown flowCode\(s\) \['XX'\]",
        ),
        (
            lambda t: t.replace("58265641.96", "n/a", 1),
            r"column 'primaryValue': value is not a number: 'n/a'",
        ),
        (lambda t: t.replace("primaryValue", "value"), r"missing column\(s\) \['primaryValue'\]"),
        (lambda t: t.replace("C,A,", "C,M,", 1), r"freqCode must be all 'A' .* or all 'M'"),
        (lambda t: t.replace(",0,0,TOTAL MOT", ",0,9000,Other", 100), r"breakdowns only"),
    ],
)
def test_comtrade_broken_files(data_dir, tmp_path, edit, message):
    path = tmp_path / "broken.csv"
    path.write_text(edit((data_dir / "comtrade_kaz_2019.csv").read_text()))
    with pytest.raises(ParseError, match=message):
        read_comtrade(path)


def test_comtrade_duplicates_are_reported(data_dir, tmp_path):
    lines = (data_dir / "comtrade_kaz_2019.csv").read_text().splitlines()
    path = tmp_path / "dup.csv"
    path.write_text("\n".join([*lines, lines[1]]) + "\n")
    with pytest.raises(ParseError, match=r"line 2: 2 rows repeat the same period"):
        read_comtrade(path)


# --------------------------------------------------------------------------- wide tables


def test_wide_table(data_dir):
    f = read_wide(
        data_dir / "nso_exports_wide.csv",
        units="thousand USD",
        source="NSO-MN",
        reporter="MNG",
        flow="export",
        commodity="TOTAL",
    )
    assert at(f, partner="KAZ", period="2019").item() == pytest.approx(6_234_600.0)
    assert at(f, partner="WLD", period="2019").item() == pytest.approx(7_619_632_900.0)


def test_wide_table_errors(data_dir, tmp_path):
    kwargs = dict(units="thousand USD", source="NSO-MN", reporter="MNG", flow="export")
    with pytest.raises(ParseError, match=r"no 'commodity' column: pass commodity=\.\.\."):
        read_wide(data_dir / "nso_exports_wide.csv", **kwargs)
    path = tmp_path / "bad.csv"
    path.write_text('partner,2019,2020\nKazakhstan,"1,234",5\n')
    with pytest.raises(
        ParseError, match=r"bad.csv, line 2, column '2019': ambiguous number '1,234'"
    ):
        read_wide(path, commodity="TOTAL", **kwargs)
    path.write_text("partner,2019,2020\nKazakhstan,,5\n")
    f = read_wide(path, commodity="TOTAL", **kwargs)
    assert f.attrs["empty_cells"] == [(2, "2019")] and len(f) == 1
    with pytest.raises(UnitsError, match="unknown units"):
        read_wide(path, commodity="TOTAL", **{**kwargs, "units": "tenge"})
    path.write_text("partner,region,2019\nKazakhstan,east,5\n")
    with pytest.raises(ParseError, match=r"column\(s\) \['region'\] are neither periods"):
        read_wide(path, commodity="TOTAL", **kwargs)


def test_a_file_of_the_wrong_kind_says_which_reader_to_use(data_dir):
    with pytest.raises(ParseError, match="not an Excel workbook; use read_dots"):
        read_bns(data_dir / "dots_mongolia.xlsx", flow="export")
    with pytest.raises(ParseError, match="read_dots expects an .xlsx workbook"):
        read_dots(data_dir / "bns_exports_by_partner.csv")


@pytest.mark.parametrize(
    ("reporter", "expected"),
    [("World", "WLD"), ("European Union", "a group of economies")],
)
def test_dots_group_reporters(data_dir, tmp_path, reporter, expected):
    # The IMF's World workbook sums every reporter and maps to WLD; other groups have no code.
    path = tmp_path / "group.xlsx"

    def rename(wb):
        for ws in wb.worksheets:
            ws["B4"] = reporter

    _edit_workbook(data_dir / "dots_mongolia.xlsx", path, rename)
    if expected == "WLD":
        assert set(read_dots(path)["reporter"]) == {"WLD"}
    else:
        with pytest.raises(ParseError, match=expected):
            read_dots(path)

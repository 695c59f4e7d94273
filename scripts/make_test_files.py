"""Cut the small recorded files in tests/data/ from the raw public files.

Usage::

    python scripts/make_test_files.py [--raw ../shared/data] [--bad-only]

It also writes tests/data/bad/: small malformed inputs, each a failure seen in trade files
(separators, encodings, markers, Excel damage, changed layouts), made from the recorded cuts
and the raw files' figures; tests/data/bad/README.md and tests/test_bad_inputs.py say what
kztrade must do with each.

Each recorded file keeps the layout of its source exactly (title rows, separators, units,
IMF estimate markers) with only a few rows, so that the readers are tested on the real
formats. tests/data/README.md says where each comes from.
"""

from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data"


def cut_bns(raw: Path) -> None:
    partner_rows = []
    with open(raw / "bns" / "kz_exports_by_partner.csv", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        partner_rows.append(next(reader))
        partner_rows += [r for r in reader if r[2] in {"MNG", "CHN", "RUS", "NAM"}]
    with open(OUT / "bns_exports_by_partner.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(partner_rows)

    chapter_rows = []
    with open(
        raw / "bns" / "exports_by_hs_chapter_monthly.csv", encoding="utf-8", newline=""
    ) as fh:
        reader = csv.reader(fh)
        chapter_rows.append(next(reader))
        chapter_rows += [
            r
            for r in reader
            if r[0][:4] in {"2021", "2022"} and r[2] in {"HS01", "HS26", "HS27", "HS72", "TOTAL"}
        ]
    with open(OUT / "bns_exports_by_hs_chapter.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(chapter_rows)


def cut_dots(raw: Path) -> None:
    source = openpyxl.load_workbook(raw / "imf_dots" / "DOTS_130.xlsx")
    target = openpyxl.Workbook()
    target.remove(target.active)
    keep = {
        "Australia",
        "World",
        "Euro Area",
        "China, P.R.: Mainland",
        "Kazakhstan, Rep. of",
        "Russian Federation",
        "Namibia",
        "Middle East and Central Asia",
        "Countries & Areas not specified",
    }
    for sheet in source.worksheets:
        out = target.create_sheet(sheet.title)
        rows = list(sheet.iter_rows(values_only=True))
        header = next(i for i, r in enumerate(rows) if r[2] is not None and str(r[2]).isdigit())
        # Years 1981-1983 (with IMF estimates) and 2015-2020: the name column and those.
        width = len(rows[header])
        columns = [0, 1, 2, 3, 4] + list(range(width - 6, width))
        for i, row in enumerate(rows):
            if i <= header or (row[1] in keep):
                out.append([row[c] for c in columns])
    target.save(OUT / "dots_mongolia.xlsx")


# --------------------------------------------------------------------------- malformed inputs

BAD = OUT / "bad"
_BNS_HEAD = "date,region,item_code,item_name,value,transformation"
# Kazakhstan's exports, thousand USD, as BNS publishes them (tests/data/bns_exports_by_partner.csv).
_BNS_ROWS = [
    ("2021-12-31", "RUS", "Россия", "7018745.76433"),
    ("2021-12-31", "CHN", "Китай", "9772505.63304"),
    ("2021-12-31", "MNG", "Монголия", "54688.98248"),
    ("2021-12-31", "NAM", "Намибия", "20.434"),
    ("2020-12-31", "RUS", "Россия", "5007142.52335"),
    ("2020-12-31", "CHN", "Китай", "9420579.06064"),
    ("2020-12-31", "MNG", "Монголия", "27433.42126"),
    ("2020-12-31", "NAM", "Намибия", "0.0"),
]
# Kazakhstan's monthly exports 2021-2022, thousand USD (BNS, rounded to 0.1).
_MONTHLY = [
    3270134.2,
    3803664.2,
    4456529.7,
    5020408.2,
    4916912.1,
    5562525.9,
    4971127.3,
    5402313.0,
    5858389.3,
    5848852.2,
    5407310.9,
    5802857.5,
    6093897.2,
    6068517.1,
    7466296.4,
    7385549.6,
    7916154.6,
    8154963.7,
    7112289.6,
    7032516.3,
    6906003.1,
    6585116.9,
    6843391.5,
    6932474.0,
]


def _bns(values=None, rows=_BNS_ROWS, head=_BNS_HEAD, sep=",", quote=False) -> str:
    """BNS partner rows with the value column replaced by ``values`` (in order)."""
    out = [head.replace(",", sep)]
    for i, (date, code, name, value) in enumerate(rows):
        v = values[i] if values is not None and i < len(values) else value
        if quote:
            v = f'"{v}"'
        out.append(sep.join([date, "national", code, name, v, "level"]))
    return "\r\n".join(out) + "\r\n"


def _styled(value: str, thousands: str, decimal: str) -> str:
    """A BNS value ('7018745.76433') written with other separators ('7 018 745,76433')."""
    whole, _, frac = value.partition(".")
    groups = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    text = thousands.join([whole, *groups])
    return text + decimal + frac if frac else text


def _bns_styled(thousands: str, decimal: str) -> str:
    """BNS partner rows with every value in one style, quoted (as Excel writes them)."""
    return _bns([_styled(v, thousands, decimal) for *_, v in _BNS_ROWS], quote=True)


def _quote_commas(values) -> list[str]:
    return [f'"{v}"' if "," in v else v for v in values]


def _monthly(values, *, start=2021, skip=()) -> str:
    lines = ["date,value,transformation"]
    for i, v in enumerate(values):
        month = f"{start + i // 12}-{i % 12 + 1:02d}-01"
        if month[:7] not in skip:
            lines.append(f"{month},{v},level")
    return "\r\n".join(lines) + "\r\n"


def _cumulative(values):
    out, running = [], 0.0
    for i, v in enumerate(values):
        running = v if i % 12 == 0 else running + v
        out.append(round(running, 1))
    return out


def _wide(rows, head="partner,2019,2020,2021") -> str:
    return "\n".join([head, *rows]) + "\n"


_NSO = ["Kazakhstan,6234.6,1391.2,2174.1", "China,5979960.0,5489536.8,6888349.6"]


def _dots(edit):
    def build(path):
        wb = openpyxl.load_workbook(OUT / "dots_mongolia.xlsx")
        edit(wb)
        _save_stable(wb, path)

    return build


def _save_stable(wb, path: Path) -> None:
    """Save a workbook byte for byte the same on every run (fixed dates inside and out)."""
    import datetime
    import io
    import zipfile

    fixed = datetime.datetime(2024, 1, 1)
    wb.properties.created = wb.properties.modified = fixed
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the time of saving here, whatever the properties say.
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z", data
                )
            stable = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            stable.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(stable, data)


def _dots_rows(ws):
    return [[c for c in row] for row in ws.iter_rows()]


def _no_year_row(wb):
    for ws in wb.worksheets:
        ws.delete_rows(7)


def _years_moved(wb):
    for ws in wb.worksheets:
        ws.insert_cols(3)
        ws.insert_rows(2, amount=3)


def _extra_sheet(wb):
    ws = wb.create_sheet("Notes", 0)
    ws.append(["Direction of Trade Statistics (DOTS), IMF"])
    ws.append(["e = IMF staff estimate"])


def _no_units(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == "US Dollars, Millions":
                    cell.value = None


def _thousands_on_imports(wb):
    ws = wb["Imports, CIF"]
    for row in ws.iter_rows(min_row=8):
        for cell in row[2:]:
            if isinstance(cell.value, (int, float)):
                cell.value = cell.value * 1000
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == "US Dollars, Millions":
                cell.value = "US Dollars, Thousands"


def _cell_turned_date(wb):
    # Excel reads a typed "6.12" as 6 December: the figure becomes a date.
    import datetime

    for row in wb["Exports, FOB"].iter_rows():
        if row[1].value == "Kazakhstan, Rep. of":
            row[-2].value = datetime.datetime(2019, 12, 6)


def _renamed_sheet(wb):
    wb["Exports, FOB"].title = "Exports FOB"


def _future_year(wb):
    for ws in wb.worksheets:
        ws.cell(row=7, column=11).value = "2099"


BAD_FILES = {
    "bns_empty.csv": b"",
    "bns_html_error_page.csv": "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title>"
    "</head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>"
    "</body></html>\n",
    "bns_header_only.csv": _BNS_HEAD + "\r\n",
    "bns_semicolon.csv": _bns([v.replace(".", ",") for *_, v in _BNS_ROWS], sep=";"),
    "bns_tab.tsv": _bns(sep="\t"),
    "bns_bom.csv": "\ufeff" + _bns(),
    "bns_utf16_excel_unicode_text.txt": ("\ufeff" + _bns(sep="\t")).encode("utf-16-le"),
    "bns_decimal_comma.csv": _bns([v.replace(".", ",") for *_, v in _BNS_ROWS], quote=True),
    "bns_thousands_comma.csv": _bns(
        ["7,018,745.76433", "9,772,505.63304", "54,688.98248", "20.434"], quote=True
    ),
    "bns_thousands_dot.csv": _bns_styled(".", ","),
    "bns_thousands_space.csv": _bns_styled(" ", ","),
    "bns_thousands_nbsp.csv": _bns_styled("\u00a0", ","),
    "bns_thousands_narrow_nbsp.csv": _bns_styled("\u202f", ","),
    "bns_thousands_apostrophe.csv": _bns(["7'018'745.76433", "9'772'505.63304", "54'688.98248"]),
    "bns_thousands_unquoted.csv": _bns(["7,018,745.76433"]),
    "bns_thousands_ambiguous.csv": _bns(
        ["7,018", "9,772", "54,689", "20", "5,007", "9,421", "27,433", "0"], quote=True
    ),
    # The same ',' cells beside plain values with a decimal point, which show the mark.
    "bns_thousands_comma_beside_points.csv": _bns(["7,018", "9,772", "54,689", "20"], quote=True),
    # Every value has a single '.' with three digits after it: nothing shows the mark.
    "bns_points_ambiguous.csv": _bns(
        ["7.018", "9.772", "54.689", "20", "5.007", "9.421", "27.433", "0"]
    ),
    # A decimal-comma file whose whole thousands have dots only ('27.433' is 27 433).
    "bns_decimal_comma_plain_dots.csv": _bns(
        _quote_commas(
            ["7.018.745,76433", "9.772.505,63304", "54.688,98248", "20,434"]
            + ["5.007.143", "9.420.579", "27.433", "0"]
        )
    ),
    # Decimal-comma cells beside plain decimal-point ones ('5007142.52335').
    "bns_decimal_marks_plain_and_comma.csv": _bns(
        ["7.018.745,76433", "9.772.505,63304", "54.688,98248", "20,434"], quote=True
    ),
    "bns_thousands_comma_integers.csv": _bns(
        ["7,018,746", "9,772,506", "54,689", "20"], quote=True
    ),
    "bns_mixed_decimal_marks.csv": _bns(["7,018,745.76433", "9.772.505,63304"], quote=True),
    "bns_footnote_markers.csv": _bns(
        ["7 018 745.76433*", "9772505.63304 (p)", "54688.98248e", "20.434"]
    ),
    "bns_not_published_markers.csv": _bns(["..", "x", "54688.98248", "-"]),
    "bns_all_not_published.csv": _bns(["..", "x", "..", "-", "..", "x", "..", "-"]),
    "bns_text_in_value.csv": _bns(["7018745.76433", "нет данных"]),
    "bns_negative_value.csv": _bns(["7018745.76433", "9772505.63304", "-54688.98248"]),
    "bns_brackets_value.csv": _bns(["7018745.76433", "9772505.63304", "(54688.98248)"]),
    "bns_duplicated_row.csv": _bns() + _bns().splitlines()[3] + "\r\n",
    "bns_two_releases.csv": _bns()
    + _bns(["54705.1"], rows=[_BNS_ROWS[2]]).splitlines()[1]
    + "\r\n",
    "bns_regional_rows.csv": _bns().replace("national,MNG", "Almaty city,MNG"),
    "bns_partners_and_chapters.csv": _bns().replace(",NAM,Намибия,", ",HS01,Живые животные,"),
    "bns_mixed_frequencies.csv": _bns() + "2021-06-01,national,MNG,Монголия,4721.3,level\r\n",
    "bns_future_period.csv": _bns().replace("2021-12-31,national,NAM", "2099-12-31,national,NAM"),
    "bns_month_missing.csv": _monthly(_MONTHLY, skip={"2021-06"}),
    "bns_cumulative_month_missing.csv": _monthly(_cumulative(_MONTHLY), skip={"2022-03"}),
    "bns_cumulative_as_monthly.csv": _monthly(_cumulative(_MONTHLY)),
    "bns_monthly_as_cumulative.csv": _monthly(_MONTHLY),
    "bns_russian_headers.csv": _bns(head="Дата,Регион,Код,Наименование,Значение,Преобразование"),
    "bns_cp1251.csv": _bns().encode("cp1251"),
    "bns_truncated.csv": _bns()[: _bns().index("27433.42126") + 3],
    "bns_huge_1e300.csv": _bns(["1e300"]),
    "bns_20_digit_integer.csv": _bns(["12345678901234567890"]),
    "bns_excel_rounded.csv": _bns(["7.02E+06", "9.77E+06"]),
    "bns_r_scientific.csv": _bns(
        ["7.01874576433e+06", "9.77250563304e+06", "5.468898248e+04", "2.0434e+01"]
    ),
    "wits_same_flow.csv": "\r\n".join(
        [
            _BNS_HEAD,
            "2021-12-31,national,CHN,China,6851902.4405,level",
            "2021-12-31,national,MNG,Mongolia,21320.84047,level",
            "2021-12-31,national,RUS,Russian Federation,7018745.764337,level",
        ]
    )
    + "\r\n",
    "wide_latin1.csv": _wide(["Côte d'Ivoire,102.6,4.0,69.7", "Curaçao,1.2,0.4,0.9"]).encode(
        "latin-1"
    ),
    "wide_world_with_partners.csv": _wide([*_NSO, "Total,7619632.9,7576310.9,9241123.2"]),
    "wide_group_rows.csv": _wide([*_NSO, "European Union,23881.2,27744.3,24031.9"]),
    "wide_nested_hs.csv": _wide(
        [
            "01,812.4,640.2,702.9",
            "0101,512.0,400.1,455.6",
            "0102,300.4,240.1,247.3",
            "02,95.3,88.0,120.4",
        ],
        head="commodity,2019,2020,2021",
    ),
    "wide_hs_lost_zeros.csv": _wide(
        ["101,512.0,400.1,455.6", "102,300.4,240.1,247.3", "8471,95.3,88.0,120.4"],
        head="commodity,2019,2020,2021",
    ),
    "wide_hs_scientific.csv": _wide(
        ["1.01E+05,512.0,400.1,455.6", "8.47E+03,95.3,88.0,120.4"],
        head="commodity,2019,2020,2021",
    ),
    "wide_hs_float.csv": _wide(
        ["8471.0,95.3,88.0,120.4", "2709.0,41200.5,25120.3,38008.4"],
        head="commodity,2019,2020,2021",
    ),
    "wide_ambiguous_countries.csv": _wide(
        ["Korea,1520.3,1344.9,1688.0", "Congo,0.4,0.0,1.1", "Mongolia,58.2,27.4,54.7"]
    ),
    "wide_russian_names.csv": _wide(
        ["Монголия,58.2,27.4,54.7", "Корея,1520.3,1344.9,1688.0", "Кыргызстан,698.3,650.3,827.6"]
    ),
    "wide_russian_names_unknown.csv": _wide(
        ["Монголия,58.2,27.4,54.7", "Киргизия,698.3,650.3,827.6", "Бирма,0.1,0.2,0.3"]
    ),
    "wide_units_mixed.csv": _wide(
        ["Kazakhstan,thousand USD,6234.6,1391.2,2174.1", "Total,million USD,7619.6,7576.3,9241.1"],
        head="partner,units,2019,2020,2021",
    ),
    "wide_units_contradict.csv": _wide(
        ["Kazakhstan,million USD,6.2346,1.3912,2.1741"], head="partner,units,2019,2020,2021"
    ),
    "wide_mixed_frequencies.csv": _wide(
        ["Kazakhstan,6234.6,1391.2,180.4"], head="partner,2019,2020,2021-01"
    ),
    "wide_future_period.csv": _wide(
        ["Kazakhstan,6234.6,1391.2,2174.1"], head="partner,2019,2020,2099"
    ),
    # Mongolia's NSO table (thousand USD) as European Excel writes it: thousands dots, decimal
    # commas, and whole numbers with dots only ('1.520' is 1 520).
    "wide_decimal_comma_plain_dots.csv": _wide(
        [
            'Kazakhstan,"6.234,6","1.391,2","2.174,1"',
            'China,5.979.960,"5.489.536,8","6.888.349,6"',
            "Russia,1.520,1.344,1.688",
        ]
    ),
    "wide_not_published_markers.csv": _wide(["Kazakhstan,6234.6,..,2174.1", "China,x,5489536.8,-"]),
    "dots_no_header_row.xlsx": _dots(_no_year_row),
    "dots_years_moved.xlsx": _dots(_years_moved),
    "dots_extra_sheet.xlsx": _dots(_extra_sheet),
    "dots_units_missing.xlsx": _dots(_no_units),
    "dots_units_differ_by_sheet.xlsx": _dots(_thousands_on_imports),
    "dots_renamed_sheet.xlsx": _dots(_renamed_sheet),
    "dots_future_year.xlsx": _dots(_future_year),
    "dots_cell_turned_date.xlsx": _dots(_cell_turned_date),
    "dots_html_error_page.xlsx": "<!DOCTYPE html>\n<html><head><title>503 Service Unavailable"
    "</title></head><body><h1>Service Unavailable</h1><p>The data service is temporarily "
    "unavailable. Please try again later.</p></body></html>\n",
    "dots_truncated.xlsx": (OUT / "dots_mongolia.xlsx").read_bytes()[:3000],
}


def _comtrade_files() -> dict[str, str]:
    """Comtrade Plus cuts made from tests/data/comtrade_kaz_2019.csv."""
    lines = (OUT / "comtrade_kaz_2019.csv").read_text(encoding="utf-8").splitlines()
    head, rows = lines[0], lines[1:]
    plus = [r for r in rows if ",MNG," in r]
    return {
        "comtrade_plus_breakdown.csv": "\n".join([head, *plus]) + "\n",
        "comtrade_empty.csv": "",
        "comtrade_header_only.csv": head + "\n",
        "comtrade_hs_lost_zeros.csv": "\n".join(
            [head, rows[0].replace(",H5,TOTAL,All Commodities,", ",H5,101,Live horses,")]
        )
        + "\n",
        "comtrade_truncated.csv": "\n".join([head, rows[0], rows[1][:60]]),
    }


def make_bad() -> None:
    """Write the malformed inputs of tests/data/bad/ (see its README.md)."""
    BAD.mkdir(parents=True, exist_ok=True)
    for name, content in {**BAD_FILES, **_comtrade_files()}.items():
        path = BAD / name
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument(
        "--bad-only",
        action="store_true",
        help="only write the malformed inputs of tests/data/bad/ (needs no raw files)",
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    make_bad()
    if args.bad_only:
        print(f"wrote malformed inputs to {BAD}")
        return 0
    cut_bns(args.raw)
    cut_dots(args.raw)
    print(f"wrote recorded files to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

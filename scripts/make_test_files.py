"""Cut the small recorded files in tests/data/ from the raw public files.

Usage::

    python scripts/make_test_files.py [--raw ../shared/data]

Each recorded file keeps the layout of its source exactly (title rows, separators, units,
IMF estimate markers) with only a few rows, so that the readers are tested on the real
formats. tests/data/README.md says where each comes from.
"""

from __future__ import annotations

import argparse
import csv
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    cut_bns(args.raw)
    cut_dots(args.raw)
    print(f"wrote recorded files to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

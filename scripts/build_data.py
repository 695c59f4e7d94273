"""Derive the curated tables in data/ from the raw public files.

Usage::

    python scripts/build_data.py [--raw ../shared/data] [--out data] [--check]

The raw files (Kazakhstan's BNS, UN Comtrade via WITS, IMF DOTS workbooks, Mongolia's NSO)
are read with kztrade's own readers; the raw files are never changed. Every output is
written atomically (a temporary file in the same folder, then renamed). With --check, the
tables are rebuilt in memory and compared with the files in --out instead of written:
the exit code is 1 if they differ.

Sources and caveats of each table: data/README.md.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kztrade.cleaning import check_scale, is_aggregate_name, scale_to_usd, to_iso3  # noqa: E402
from kztrade.readers import read_bns, read_dots  # noqa: E402
from kztrade.schema import COLUMNS, make_frame  # noqa: E402


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    out = frame.copy()
    out["period"] = out["period"].astype(str)
    out["value_usd"] = out["value_usd"].round(2)
    if "estimated" in out.columns:
        out["estimated"] = out["estimated"].map({True: "True", False: "False"})
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["source", "reporter", "partner", "flow", "commodity", "period"]
    out = frame.assign(_flow=frame["flow"].astype(str)).sort_values(
        keys[:3] + ["_flow"] + keys[4:], kind="stable"
    )
    return out.drop(columns="_flow").reset_index(drop=True)


def country_names_ru(raw: Path) -> pd.DataFrame:
    """Russian country names as BNS publishes them, with the ISO3 code BNS gives."""
    pairs = []
    for name in ("kz_exports_by_partner.csv", "kz_imports_by_partner.csv"):
        table = pd.read_csv(raw / "bns" / name, dtype=str, keep_default_na=False)
        pairs.append(table[["item_name", "item_code"]])
    names = pd.concat(pairs).drop_duplicates()
    names.columns = ["name_ru", "iso3"]
    clash = names[names.duplicated("name_ru", keep=False)]
    if not clash.empty:
        raise SystemExit(f"BNS gives one Russian name several codes: {clash.to_dict('records')}")
    names = pd.concat(
        [names, pd.DataFrame({"name_ru": ["Казахстан"], "iso3": ["KAZ"]})]
    ).drop_duplicates("name_ru")
    return names.sort_values("name_ru").reset_index(drop=True)


def partner_annual(raw: Path) -> pd.DataFrame:
    parts = []
    for flow in ("export", "import"):
        parts.append(read_bns(raw / "bns" / f"kz_{flow}s_by_partner.csv", flow=flow))
        parts.append(
            read_bns(raw / "wits" / f"wits_kz_{flow}s_by_partner.csv", flow=flow, source="COMTRADE")
        )
    dots = read_dots(raw / "imf_dots" / "DOTS_103.xlsx", aggregates="drop")
    parts.append(dots.drop(columns=["partner_name"]))
    frame = pd.concat(parts, ignore_index=True)
    frame["estimated"] = frame["estimated"].astype("boolean").fillna(False).astype(bool)
    return make_frame(_sorted(frame), freq="Y")


def commodity_monthly(raw: Path) -> pd.DataFrame:
    parts = [
        read_bns(raw / "bns" / f"{flow}s_by_hs_chapter_monthly.csv", flow=flow)
        for flow in ("export", "import")
    ]
    return make_frame(_sorted(pd.concat(parts, ignore_index=True)), freq="M")


def total_monthly(raw: Path) -> pd.DataFrame:
    parts = [
        read_bns(raw / "bns" / f"{flow}s_total_monthly.csv", flow=flow)
        for flow in ("export", "import")
    ]
    return make_frame(_sorted(pd.concat(parts, ignore_index=True)), freq="M")


def _dots_kaz_rows(path: Path) -> tuple[pd.DataFrame, list[dict]]:
    frame = read_dots(path, aggregates="drop", negative="drop")
    negatives = [
        c for c in frame.attrs["negative_cells"] if c["partner_name"] == "Kazakhstan, Rep. of"
    ]
    return frame.loc[frame["partner"] == "KAZ"].drop(columns=["partner_name"]), negatives


def mirror_annual(raw: Path) -> pd.DataFrame:
    index = pd.read_csv(raw / "imf_dots" / "DOTS_index.csv", dtype=str, keep_default_na=False)
    wanted = [
        (file, reporter)
        for file, reporter in zip(index["file"], index["reporter"], strict=True)
        # Groups of economies report nothing of their own; Kazakhstan's own report is in
        # partner_annual.
        if (reporter == "World" or not is_aggregate_name(reporter))
        and reporter != "Kazakhstan, Rep. of"
    ]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = list(pool.map(_dots_kaz_rows, [raw / "imf_dots" / f for f, _ in wanted]))
    parts, seen = [], {}
    for (file, reporter), (frame, negatives) in zip(wanted, results, strict=True):
        for cell in negatives:
            print(f"note: {file} ({reporter}) {cell} left out: negative")
        if reporter in seen:
            earlier, first_file = seen[reporter]
            if not frame.reset_index(drop=True).equals(earlier.reset_index(drop=True)):
                raise SystemExit(f"{file} and {first_file} both report {reporter}, differently")
            print(f"note: {file} repeats {first_file} ({reporter}) exactly; read once")
            continue
        seen[reporter] = (frame, file)
        parts.append(frame)
    dots = pd.concat(parts, ignore_index=True)
    nso = pd.read_csv(
        raw / "nso_mongolia" / "exports_by_country_kaz_and_total.csv",
        dtype=str,
        keep_default_na=False,
    )
    nso = nso.assign(
        period=nso["year"],
        reporter="MNG",
        partner=to_iso3(nso["country"].replace({"Total": "World"})),
        flow="export",
        commodity="TOTAL",
        # NSO publishes thousand USD (Mongolia's 2019 total: 7,619,632.9 = 7.6 bn USD).
        value_usd=scale_to_usd(nso["value"].astype(float), units="thousand USD"),
        source="NSO-MN",
        estimated=False,
    )[list(COLUMNS) + ["estimated"]]
    frame = pd.concat([dots, nso], ignore_index=True)
    frame["estimated"] = frame["estimated"].astype(bool)
    return make_frame(_sorted(frame), freq="Y")


def checks(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Cross-checks between tables; a failure stops the build."""
    notes = []
    partner = tables["partner_annual.csv"]
    total = tables["total_monthly.csv"]
    bns = partner[partner["source"] == "BNS"]
    yearly = (
        total.assign(year=total["period"].dt.year)
        .groupby(["year", "flow"], observed=True)["value_usd"]
        .sum()
    )
    by_partner = (
        bns.assign(year=bns["period"].dt.year)
        .groupby(["year", "flow"], observed=True)["value_usd"]
        .sum()
    )
    common = yearly.index.intersection(by_partner.index)
    ratio = check_scale(by_partner[common], yearly[common], what="BNS partners' sum vs totals")
    notes.append(f"BNS sum of partners / monthly totals, median ratio {ratio:.5f}")
    return notes


def build(raw: Path) -> dict[str, pd.DataFrame]:
    started = time.perf_counter()
    tables = {
        "country_names_ru.csv": country_names_ru(raw),
        "partner_annual.csv": partner_annual(raw),
        "commodity_monthly.csv.gz": commodity_monthly(raw),
        "total_monthly.csv": total_monthly(raw),
        "mirror_annual.csv": mirror_annual(raw),
    }
    for note in checks(tables):
        print(f"check: {note}")
    print(f"built {len(tables)} tables in {time.perf_counter() - started:.1f} s")
    return tables


def encode(name: str, frame: pd.DataFrame) -> bytes:
    body = (
        _csv_bytes(frame)
        if "period" in frame.columns
        else frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
    )
    if name.endswith(".gz"):
        buffer = io.BytesIO()
        # mtime=0 keeps the archive byte-for-byte reproducible.
        with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as gz:
            gz.write(body)
        return buffer.getvalue()
    return body


def write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "data")
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    if not args.raw.is_dir():
        print(f"error: raw data folder {args.raw} not found; pass --raw", file=sys.stderr)
        return 2
    tables = build(args.raw)
    differ = []
    for name, frame in tables.items():
        data = encode(name, frame)
        target = args.out / name
        rows = len(frame)
        if args.check:
            current = target.read_bytes() if target.is_file() else b""
            if name.endswith(".gz") and current:
                current, data = gzip.decompress(current), gzip.decompress(data)
            same = current == data
            print(f"{'same' if same else 'DIFFERENT'}: {target} ({rows} rows)")
            if not same:
                differ.append(name)
        else:
            args.out.mkdir(parents=True, exist_ok=True)
            write_atomic(target, data)
            print(f"wrote {target} ({rows} rows, {len(data) / 1024:.0f} KiB)")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Reading a UN Comtrade bulk file: time and peak memory of kztrade's reader against its floor.

Generates (once, seeded, cached) a monthly HS-6 all-partners file in the Comtrade Plus
download layout, then measures each way of reading it in a fresh Python process, so that
peak memory is that method's own:

- ``pyarrow.csv.read_csv`` of the whole file (the floor: parse every column, nothing else);
- ``pandas.read_csv`` of the whole file (defaults);
- ``kztrade.read_comtrade`` without filters (the whole tidy frame);
- ``kztrade.read_comtrade`` with one reporter-partner pair;
- ``kztrade.convert`` to a partitioned Parquet dataset (timed, with its peak memory), then
  ``read_comtrade`` of that dataset with the same pair, with the reporter alone (a larger
  result) and with the reporter's rarest partner (a tiny result: what any read costs);
- the filtered reads again with Arrow's system allocator instead of its default
  (``ARROW_DEFAULT_MEMORY_POOL=system``), marked "(sys alloc)".

Peak memory is the child's high-water mark of resident memory (``VmHWM`` in
``/proc/self/status``, so Linux only; ``ru_maxrss`` would carry over the parent's peak
across ``exec``). ``base`` is the child's resident memory after its
imports, and ``peak-base`` what reading added; ``peak-warm`` is the peak minus the resident
memory after a warm-up read of the 13-line test file with the same function, which leaves
out what any first read costs whatever its size (code pages, Arrow's thread pools);
``warm/result`` is ``peak-warm`` over the result's size (pandas' deep memory usage). Prints
a table; asserts nothing. Usage::

    python benchmarks/bulk_ingest.py [--rows 5000000] [--cache DIR] [--keep] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

COLUMNS = [
    "typeCode",
    "freqCode",
    "refPeriodId",
    "refYear",
    "refMonth",
    "period",
    "reporterCode",
    "reporterISO",
    "reporterDesc",
    "flowCode",
    "flowDesc",
    "partnerCode",
    "partnerISO",
    "partnerDesc",
    "partner2Code",
    "partner2ISO",
    "partner2Desc",
    "classificationCode",
    "cmdCode",
    "cmdDesc",
    "aggrLevel",
    "isLeaf",
    "customsCode",
    "customsDesc",
    "mosCode",
    "motCode",
    "motDesc",
    "qtyUnitCode",
    "qty",
    "netWgt",
    "grossWgt",
    "cifvalue",
    "fobvalue",
    "primaryValue",
    "isReported",
    "isAggregate",
]

_WORDS = (
    "live animals meat fish crustaceans dairy produce eggs honey vegetables fruit nuts "
    "coffee tea cereals flour seeds oil fats sugar cocoa preparations beverages tobacco "
    "salt sulphur ores slag ash mineral fuels petroleum chemicals pharmaceutical fertilisers "
    "plastics rubber hides wood paper cotton wool yarn fabrics apparel footwear stone glass "
    "pearls iron steel copper nickel aluminium lead zinc tin tools machinery electrical "
    "vehicles aircraft ships optical clocks instruments furniture toys articles other "
    "whether or not frozen fresh chilled crude refined unwrought alloyed parts thereof"
).split()


def _descriptions(rng: np.random.Generator, n: int, lo: int, hi: int) -> np.ndarray:
    words = np.array(_WORDS, dtype=object)
    out = []
    for k in rng.integers(lo, hi, size=n):
        text = " ".join(rng.choice(words, size=k))
        out.append(text[0].upper() + text[1:].replace(" or ", ", or ", 1))
    return np.array(out, dtype=object)


def generate(path: Path, rows: int, *, seed: int = 2019, chunk: int = 500_000) -> None:
    """Write a seeded, Comtrade-layout monthly HS file of ``rows`` rows to ``path``."""
    import pyarrow as pa
    import pyarrow.csv as pv

    rng = np.random.default_rng(seed)
    # Reporters and partners: ISO3-like codes with numeric codes; partner frequencies follow
    # a Zipf-like law, as in real files where a few partners carry most lines.
    n_rep, n_par = 24, 230
    letters = np.array(list("ABCDEFGHIJKLMNOPRSTUVYZ"))
    iso = np.unique(["".join(rng.choice(letters, 3)) for _ in range(800)])
    rng.shuffle(iso)
    rep_iso, par_iso = iso[:n_rep], iso[:n_par].copy()
    rep_iso[0] = "KAZ"
    par_iso[0], par_iso[1] = "CHN", "RUS"
    par_iso[par_iso == "KAZ"] = "ZZZ"
    world = 2  # the third most frequent partner is the World total
    rep_code = rng.choice(np.arange(4, 900), n_rep, replace=False)
    par_code = rng.choice(np.arange(4, 900), n_par, replace=False)
    rep_desc = _descriptions(rng, n_rep, 1, 3)
    par_desc = _descriptions(rng, n_par, 1, 4)
    # Commodities: TOTAL, 97 chapters, ~1200 headings, ~5000 subheadings.
    chapters = [f"{c:02d}" for c in range(1, 98) if c != 77]
    headings = sorted({f"{c}{h:02d}" for c in chapters for h in rng.integers(1, 40, 13)})
    subs = sorted({f"{h}{s:02d}" for h in headings for s in rng.integers(10, 99, 5)})
    cmd = np.array(["TOTAL", *chapters, *headings, *subs], dtype=object)
    cmd_desc = np.concatenate([["All Commodities"], _descriptions(rng, len(cmd) - 1, 4, 14)])
    level = np.array([0 if c == "TOTAL" else len(c) for c in cmd])
    # Breakdown kinds: 0 = totals over partner2, customs procedure and mode of transport;
    # the others are the breakdowns that a careless sum would count twice.
    flows = np.array(["X", "M", "RX", "RM"])
    flow_desc = {"X": "Export", "M": "Import", "RX": "Re-export", "RM": "Re-import"}
    months = 12
    rep_w = 1 / np.arange(1, n_rep + 1) ** 0.8
    par_w = 1 / np.arange(1, n_par + 1) ** 1.1
    cmd_w = np.where(level == 6, 1.0, np.where(level == 4, 1.5, 3.0))
    sizes = np.array([months, n_rep, n_par, 4, len(cmd), 5], dtype=np.int64)
    need, keys = rows, np.empty(0, dtype=np.int64)
    while need > 0:
        m = int(need * 1.1) + 1000
        parts = [
            rng.integers(0, months, m),
            rng.choice(n_rep, m, p=rep_w / rep_w.sum()),
            rng.choice(n_par, m, p=par_w / par_w.sum()),
            rng.choice(4, m, p=[0.46, 0.46, 0.04, 0.04]),
            rng.choice(len(cmd), m, p=cmd_w / cmd_w.sum()),
            rng.choice(5, m, p=[0.9, 0.04, 0.03, 0.02, 0.01]),
        ]
        new = np.zeros(m, dtype=np.int64)
        for part, size in zip(parts, sizes, strict=True):
            new = new * size + part
        keys = np.unique(np.concatenate([keys, new]))
        need = rows - len(keys)
    keys = np.sort(rng.choice(keys, rows, replace=False))  # ordered like real files
    idx = []
    for size in sizes[::-1]:
        idx.append(keys % size)
        keys = keys // size
    b, c, f, p, r, t = idx
    tmp = path.with_name(path.name + ".part")
    schema = pa.schema([(name, pa.string()) for name in COLUMNS])
    options = pv.WriteOptions(quoting_style="needed")  # quotes only where a comma needs them
    with pv.CSVWriter(tmp, schema, write_options=options) as writer:
        for start in range(0, rows, chunk):
            s = slice(start, min(start + chunk, rows))
            n = s.stop - s.start
            tt, rr, pp, ff, cc, bb = t[s], r[s], p[s], f[s], c[s], b[s]
            year, month = 2023, tt + 1
            period = np.char.add(str(year), np.char.zfill(month.astype(str), 2))
            value = np.round(rng.lognormal(10.5, 2.6, n) * (1 + 30 * (level[cc] == 0)), 2)
            weight = np.round(value / rng.lognormal(0.5, 1.2, n), 3)
            qty = np.round(weight * rng.lognormal(0, 0.7, n), 1)
            fcode = flows[ff]
            is_import = (fcode == "M") | (fcode == "RM")
            blank = np.full(n, "", dtype=object)

            def text(values, empty=None):
                out = values.astype(str).astype(object)
                if empty is not None:
                    out[empty] = ""
                return out

            p2 = np.where(bb == 4, par_iso[(pp + 7) % n_par], "W00")
            data = {
                "typeCode": np.full(n, "C", dtype=object),
                "freqCode": np.full(n, "M", dtype=object),
                "refPeriodId": np.char.add(period, "01"),
                "refYear": np.full(n, str(year), dtype=object),
                "refMonth": month.astype(str),
                "period": period,
                "reporterCode": rep_code[rr].astype(str),
                "reporterISO": rep_iso[rr],
                "reporterDesc": rep_desc[rr],
                "flowCode": fcode,
                "flowDesc": np.vectorize(flow_desc.get, otypes=[object])(fcode),
                "partnerCode": np.where(pp == world, "0", par_code[pp].astype(str)),
                "partnerISO": np.where(pp == world, "W00", par_iso[pp]),
                "partnerDesc": np.where(pp == world, "World", par_desc[pp]),
                "partner2Code": np.where(bb == 4, par_code[(pp + 7) % n_par].astype(str), "0"),
                "partner2ISO": p2,
                "partner2Desc": np.where(bb == 4, par_desc[(pp + 7) % n_par], "World"),
                "classificationCode": np.full(n, "H6", dtype=object),
                "cmdCode": cmd[cc],
                "cmdDesc": cmd_desc[cc],
                "aggrLevel": level[cc].astype(str),
                "isLeaf": np.where(level[cc] == 6, "True", "False"),
                "customsCode": np.where(bb == 3, "C01", "C00"),
                "customsDesc": np.where(bb == 3, "Inward processing", "TOTAL CPC"),
                "mosCode": np.full(n, "0", dtype=object),
                "motCode": np.select([bb == 1, bb == 2], ["2100", "1000"], "0"),
                "motDesc": np.select([bb == 1, bb == 2], ["Sea", "Air"], "TOTAL MOT"),
                "qtyUnitCode": np.where(level[cc] == 6, "8", "-1"),
                "qty": text(qty, level[cc] != 6),
                "netWgt": text(weight, rng.random(n) < 0.15),
                "grossWgt": blank,
                "cifvalue": text(value, ~is_import),
                "fobvalue": text(value, is_import),
                "primaryValue": text(value),
                "isReported": np.where(rng.random(n) < 0.97, "True", "False"),
                "isAggregate": np.where(level[cc] == 6, "False", "True"),
            }
            table = pa.table({k: pa.array(np.asarray(v, dtype=object)) for k, v in data.items()})
            writer.write_table(table)
    os.replace(tmp, path)


# The generator gives the first reporter (KAZ) and the first partner (CHN) the highest
# weights, so this is the busiest pair of the file: the filtered reads ask for it.
PAIR = ("KAZ", "CHN")


# Each method runs in a fresh interpreter; it prints a JSON line with its figures.
_CHILD = r"""
import json, sys, tempfile, time
import pandas as pd, pyarrow as pa, pyarrow.csv as pv
import kztrade.comtrade
from kztrade.comtrade import convert, read_comtrade
method, src, pq, tiny, tiny_pq, reporter, partner, rare = sys.argv[1:9]


def status(field):
    # Linux: this process's own figures, in kB (ru_maxrss survives exec on Linux).
    with open("/proc/self/status") as fh:
        return int(fh.read().split(field + ":")[1].split()[0]) * 1024


base = status("VmRSS")
# Warm up on a 13-line file with the same function: code pages and thread pools touched
# once are not memory that grows with the data.
if method == "pyarrow.csv.read_csv":
    pv.read_csv(tiny)
elif method == "pandas.read_csv":
    pd.read_csv(tiny)
elif method == "convert":
    with tempfile.TemporaryDirectory() as tmp:
        convert(tiny, tmp + "/tiny")
elif method.startswith("Parquet"):
    read_comtrade(tiny_pq, reporter="KAZ")
else:
    read_comtrade(tiny, reporter="KAZ")
warm = status("VmRSS")
t0, c0 = time.perf_counter(), time.process_time()
if method == "pyarrow.csv.read_csv":
    res = pv.read_csv(src)
    rows, size = res.num_rows, res.nbytes
elif method == "pandas.read_csv":
    res = pd.read_csv(src)
    rows, size = len(res), int(res.memory_usage(deep=True).sum())
elif method == "convert":
    convert(src, pq)
    rows, size = 0, 0
else:
    if method == "read_comtrade":
        res = read_comtrade(src)
    elif method == "read_comtrade pair":
        res = read_comtrade(src, reporter=reporter, partner=partner)
    elif method == "Parquet pair":
        res = read_comtrade(pq, reporter=reporter, partner=partner)
    elif method == "Parquet reporter":
        res = read_comtrade(pq, reporter=reporter)
    elif method == "Parquet rare pair":
        res = read_comtrade(pq, reporter=reporter, partner=rare)
    rows, size = len(res), int(res.memory_usage(deep=True).sum())
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
peak = status("VmHWM")
print(json.dumps(dict(method=method, wall=wall, cpu=cpu, peak=peak, base=base, warm=warm,
                      rows=rows, size=size)))
"""

SYSTEM = " (sys alloc)"
METHODS = [
    "pyarrow.csv.read_csv",
    "pandas.read_csv",
    "read_comtrade",
    "read_comtrade pair",
    "Parquet pair",
    "Parquet reporter",
    "Parquet rare pair",
    "read_comtrade pair" + SYSTEM,
    "Parquet pair" + SYSTEM,
    "Parquet reporter" + SYSTEM,
    "Parquet rare pair" + SYSTEM,
]


TINY = Path(__file__).resolve().parents[1] / "tests" / "data" / "comtrade_kaz_2019.csv"


def _rarest_partner(dataset: Path, reporter: str) -> str:
    """The partner with the fewest rows for ``reporter``: a read whose result is tiny."""
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    table = ds.dataset(dataset, partitioning="hive").to_table(
        columns=["partnerISO"], filter=ds.field("reporterISO") == reporter
    )
    counts = pc.value_counts(table.column(0)).to_pylist()
    return min(counts, key=lambda c: (c["counts"], c["values"]))["values"]


def _measure(method: str, src: Path, pq: Path, tiny_pq: Path, pair: tuple[str, ...]) -> dict:
    env = dict(os.environ)
    name = method
    if method.endswith(SYSTEM):
        # Arrow's default allocator (mimalloc) keeps freed blocks per thread; this variant
        # starts the child with the system allocator instead, to show what that costs.
        env["ARROW_DEFAULT_MEMORY_POOL"] = "system"
        name = method[: -len(SYSTEM)]
    argv = [sys.executable, "-c", _CHILD, name, str(src), str(pq), str(TINY), str(tiny_pq)]
    out = subprocess.run([*argv, *pair], check=True, capture_output=True, text=True, env=env)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["method"] = method
    return result


def _ratio(peak: float, size: float) -> str:
    # Over a result of under 1 MB the ratio says nothing but the read's fixed cost.
    return f"{peak / size:.2f}" if size >= 2**20 else "-"


def _mb(n: float) -> str:
    return f"{n / 2**20:,.0f}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "kztrade-bench-bulk",
        help="where the generated file and its Parquet dataset are kept (default %(default)s)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated files (default: delete them)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of the whole table")
    parser.add_argument(
        "--methods", default=",".join(METHODS), help="comma-separated subset of: %(default)s"
    )
    args = parser.parse_args(argv)
    methods = [m.strip() for m in args.methods.split(",")]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        parser.error(f"unknown method(s) {unknown}; choose from {METHODS}")

    args.cache.mkdir(parents=True, exist_ok=True)
    src = args.cache / f"comtrade_bulk_{args.rows}.csv"
    pq = args.cache / f"comtrade_bulk_{args.rows}.parquet"
    try:
        if not src.exists():
            t0 = time.perf_counter()
            generate(src, args.rows)
            print(f"generated {src} in {time.perf_counter() - t0:.0f} s")
        from kztrade.comtrade import convert

        # Converted afresh every time: the dataset's layout (sorting, row groups) is part of
        # what is measured, and one left by an earlier version would not have it.
        shutil.rmtree(pq, ignore_errors=True)
        tiny_pq = args.cache / "tiny.parquet"
        convert(TINY, tiny_pq, overwrite=True)
        done = _measure("convert", src, pq, tiny_pq, ("", "", ""))
        print(
            f"converted to {pq} in {done['wall']:.1f} s wall, {done['cpu']:.1f} s CPU, "
            f"peak {_mb(done['peak'] - done['warm'])} MB above the warm process"
        )
        pair = (*PAIR, _rarest_partner(pq, PAIR[0]))
        csv_mb = src.stat().st_size / 2**20
        pq_mb = sum(f.stat().st_size for f in pq.rglob("*") if f.is_file()) / 2**20
        print(f"file: {args.rows:,} rows, {csv_mb:,.0f} MB CSV, {pq_mb:,.0f} MB Parquet dataset")
        print(f"filter: reporter={pair[0]!r}, partner={pair[1]!r} (rare pair: {pair[2]!r})")
        for run in range(args.repeat):
            load = os.getloadavg()
            print(f"\nrun {run + 1}; load average before: {' '.join(f'{x:.2f}' for x in load)}")
            results = [_measure(m, src, pq, tiny_pq, pair) for m in methods]
            floor = next((r["wall"] for r in results if r["method"] == METHODS[0]), None)
            head = (
                f"{'method':30} {'wall s':>7} {'cpu s':>7} {'x floor':>7} {'peak MB':>8} "
                f"{'base MB':>8} {'peak-base':>9} {'peak-warm':>9} {'rows':>10} {'result MB':>9} "
                f"{'warm/result':>11}"
            )
            print(head)
            print("-" * len(head))
            for r in results:
                ratio = f"{r['wall'] / floor:.2f}" if floor else ""
                print(
                    f"{r['method']:30} {r['wall']:7.2f} {r['cpu']:7.2f} {ratio:>7} "
                    f"{_mb(r['peak']):>8} {_mb(r['base']):>8} {_mb(r['peak'] - r['base']):>9} "
                    f"{_mb(r['peak'] - r['warm']):>9} "
                    f"{r['rows']:>10,} {r['size'] / 2**20:>9,.1f} "
                    f"{_ratio(r['peak'] - r['warm'], r['size']):>11}"
                )
            load = os.getloadavg()
            print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    finally:
        if not args.keep:
            src.unlink(missing_ok=True)
            shutil.rmtree(pq, ignore_errors=True)
        shutil.rmtree(args.cache / "tiny.parquet", ignore_errors=True)


if __name__ == "__main__":
    main()

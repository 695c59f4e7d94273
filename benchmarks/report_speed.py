"""How long kztrade's reports take, against what running any notebook costs anyway.

Prints:

1. the default report (``kztrade report``: the three notebooks, Kazakhstan–Mongolia)
   against its floor: the same runner executing notebooks that keep only the parameters
   cell and import every module the real ones load when they run (kernel start, imports,
   papermill, HTML rendering, publishing). Target: the report within 1.5 times the floor;
2. a batch of partners (by default the 20 largest by BNS turnover) with ``--jobs 1``
   against ``--jobs 2``;
3. the effect of capping each kernel's linear-algebra threads (what the runner does by
   default) on the forecast notebook.

Usage::

    python benchmarks/report_speed.py [--partners 20] [--batch-notebooks trade_overview]
                                      [--repeat 1] [--skip-batch] [--skip-threads]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill

from kztrade import __version__, datasets, growth
from kztrade.notebooks import find_notebook
from kztrade.reports import DEFAULT_NOTEBOOKS, build_report
from kztrade.reports import _kernel_config as kernel_config
from kztrade.reports import _kernel_environment as one_blas_thread


def imported_modules(name: str, folder: Path) -> list[str]:
    """The modules a notebook imports when it runs: all it loads beyond a fresh kernel."""
    nb = nbformat.read(find_notebook(name), as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell("import sys\n_before = set(sys.modules)"))
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import json\nprint(json.dumps(sorted(set(sys.modules) - _before)))"
        )
    )
    probe = folder / f"probe_{name}.ipynb"
    nbformat.write(nb, probe)
    with one_blas_thread():
        done = papermill.execute_notebook(
            str(probe),
            str(folder / f"probed_{name}.ipynb"),
            kernel_name="python3",
            progress_bar=False,
            config=kernel_config(),
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    text = done.cells[-1].outputs[0]["text"]
    return [m for m in json.loads(text) if not any(p.startswith("_") for p in m.split("."))]


def floor_notebook(name: str, folder: Path) -> Path:
    """A copy of a notebook that only imports the libraries the real one imports.

    It keeps the parameters cell and imports every module the real notebook loads when it
    runs (found by running it once), kztrade's own included, so that the difference to the
    real notebook is the analysis itself: loading data, computing, drawing.
    """
    modules = imported_modules(name, folder)
    source = find_notebook(name)
    nb = nbformat.read(source, as_version=4)
    keep = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    cell = nbformat.v4.new_code_cell(
        "import importlib\n\n"
        f"for module in {modules!r}:\n"
        "    try:\n"
        "        importlib.import_module(module)\n"
        "    except Exception:  # a module that only imports within its package's own use\n"
        "        pass"
    )
    nb.cells = keep + [cell]
    path = folder / source.name
    nbformat.write(nb, path)
    return path


def timed(label: str, repeat: int, **options) -> float:
    """Median wall time of ``build_report(**options)`` over ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            report = build_report(out=out, progress=False, **options)
            times.append(time.perf_counter() - start)
            if not report.ok:
                failed = "; ".join(r.describe_error() for r in report.failed)
                raise SystemExit(f"{label}: a notebook failed: {failed}")
    median = statistics.median(times)
    runs = len(report.results)
    print(f"  {label:<44} {median:7.1f} s  ({runs} notebooks, {median / runs:5.1f} s each)")
    return median


def largest_partners(n: int) -> list[str]:
    """The ``n`` partners with the largest BNS turnover in the latest year."""
    trade = datasets.load_partner_annual()
    bns = trade[trade["source"] == "BNS"]
    latest = bns[bns["period"] == bns["period"].max()]
    wide = growth.turnover(latest, by=("period", "reporter", "partner", "commodity", "source"))
    return wide.sort_values("turnover", ascending=False)["partner"].head(n).tolist()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=20)
    parser.add_argument("--batch-notebooks", nargs="+", default=["trade_overview"])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--skip-threads", action="store_true")
    parser.add_argument("--skip-floor", action="store_true")
    args = parser.parse_args(argv)

    cpus = os.cpu_count() or 1
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    print(f"kztrade {__version__}, Python {platform.python_version()}, {cpus} CPUs{load}")

    with tempfile.TemporaryDirectory() as folder:
        if args.skip_floor:
            jobs_list = ()
        else:
            print(
                "\n1. Default report against its floor (same runner, notebooks with imports only)"
            )
            jobs_list = (1, min(2, cpus))
        floors = [floor_notebook(name, Path(folder)) for name in DEFAULT_NOTEBOOKS]
        for jobs in jobs_list:
            floor = timed(f"floor, --jobs {jobs}", args.repeat, notebooks=floors, jobs=jobs)
            full = timed(f"default report, --jobs {jobs}", args.repeat, jobs=jobs)
            print(f"  {'ratio report / floor':<44} {full / floor:7.2f}   (target <= 1.5)")

    if not args.skip_batch:
        partners = largest_partners(args.partners)
        print(f"\n2. Batch: {' '.join(args.batch_notebooks)} for {len(partners)} partners")
        print(f"  partners: {', '.join(partners)}")
        one = timed("--jobs 1", 1, partners=partners, notebooks=args.batch_notebooks, jobs=1)
        two = timed("--jobs 2", 1, partners=partners, notebooks=args.batch_notebooks, jobs=2)
        print(f"  {'speed-up of --jobs 2':<44} {one / two:7.2f}x")

    if not args.skip_threads:
        print("\n3. Linear-algebra threads per kernel, turnover_forecast (MNG), --jobs 1")
        capped = timed(
            "1 thread (the runner's default)", args.repeat, notebooks=["turnover_forecast"], jobs=1
        )
        saved = {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
        os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = str(cpus)
        try:
            free = timed(
                f"{cpus} threads (set by the user)",
                args.repeat,
                notebooks=["turnover_forecast"],
                jobs=1,
            )
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        print(f"  {'slow-down with threads':<44} {free / capped:7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

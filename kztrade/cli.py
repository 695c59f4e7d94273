"""The ``kztrade`` command: run the notebooks and publish the reports.

::

    kztrade report [--partner MNG ...] [--notebooks NAME ...] [--out reports/]
                   [-p NAME VALUE ...] [--with-code] [--jobs N] [--statement TEXT]
    kztrade run NOTEBOOK [-p NAME VALUE ...] [--out reports/] [--with-code]
    kztrade params [NOTEBOOK] [--json]
    kztrade convert SRC OUT [--partition-by COLUMN ...] [--overwrite]

Exit codes: 0 when every notebook ran to the end; 1 when a notebook failed (the others
still run, and their reports are written); 2 for a usage or parameter error (an unknown
notebook or parameter, a value of the wrong type, or a notebook that stopped at its own
parameter check), in which case nothing is published. A run stopped by SIGTERM (SIGHUP)
cleans up and then exits 143 (129); one killed by SIGKILL exits 137 and leaves only complete
files from earlier runs (see docs/reports.md). ``convert`` exits 0 when the Parquet dataset is
written and 2, with a one-line message, when the input cannot be converted.

This module only parses arguments and prints; the work is done by
:mod:`kztrade.reports` and :mod:`kztrade.notebooks`.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import warnings
from collections.abc import Sequence

from kztrade import __version__
from kztrade.errors import KztradeError, ParameterError

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE"]

#: Every notebook ran to the end.
EXIT_OK = 0
#: At least one notebook failed.
EXIT_FAILED = 1
#: Wrong command-line usage or parameters.
EXIT_USAGE = 2

_EPILOG = """exit codes: 0 all notebooks ran, 1 a notebook failed, 2 usage or parameter error,
143 (129) stopped by SIGTERM (SIGHUP) after cleaning up, 137 killed by SIGKILL; see
docs/reports.md.
Parameter values are converted to each parameter's declared type (see 'kztrade params').
"""


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-p",
        "--param",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="set a notebook parameter; repeat for more (lists: CHN,RUS)",
    )
    parser.add_argument(
        "-o", "--out", default="reports", help="output folder (default: %(default)s)"
    )
    parser.add_argument(
        "--with-code", action="store_true", help="show the code in the HTML reports"
    )
    parser.add_argument(
        "--kernel",
        default="python3",
        help="Jupyter kernel to run the notebooks in (default: %(default)s, this Python's)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop a notebook whose cell runs longer than this",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``kztrade`` command.

    Examples
    --------
    >>> args = build_parser().parse_args(["report", "--partner", "MNG,CHN", "--jobs", "2"])
    >>> args.command, args.partner, args.jobs
    ('report', ['MNG,CHN'], 2)
    """
    parser = argparse.ArgumentParser(
        prog="kztrade",
        description="Run kztrade's parameterised notebooks and publish shareable reports.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"kztrade {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    report = commands.add_parser(
        "report",
        help="run the notebooks for one or more partners into a report folder",
        description="Run notebooks for each partner, render self-contained HTML, and write "
        "index.html and manifest.json into the output folder, replacing its previous report.",
        epilog=_EPILOG,
    )
    report.add_argument(
        "--partner",
        nargs="+",
        action="extend",
        metavar="ISO3",
        help="partner countries (e.g. MNG CHN, or MNG,CHN); default: each notebook's own",
    )
    report.add_argument(
        "-n",
        "--notebooks",
        nargs="+",
        action="extend",
        metavar="NAME",
        help="notebook names or .ipynb paths (default: trade_overview commodity_structure "
        "turnover_forecast)",
    )
    report.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="notebooks run at once, in parallel processes (default: CPUs, at most 4)",
    )
    report.add_argument(
        "--statement",
        metavar="TEXT",
        help="also check an official statement on trade (the statement_check notebook)",
    )
    _add_run_options(report)

    run = commands.add_parser(
        "run",
        help="run one notebook with typed, checked parameters",
        description="Run one notebook; unknown parameters and values of the wrong type are "
        "errors. Writes <name>.ipynb and <name>.html into the output folder.",
        epilog=_EPILOG,
    )
    run.add_argument("notebook", metavar="NOTEBOOK", help="a notebook name or .ipynb path")
    _add_run_options(run)

    params = commands.add_parser(
        "params",
        help="list a notebook's parameters (or, without NOTEBOOK, the notebooks)",
        description="List a notebook's parameters with their types, defaults and help.",
    )
    params.add_argument("notebook", nargs="?", metavar="NOTEBOOK")
    params.add_argument("--json", action="store_true", help="print JSON")

    convert = commands.add_parser(
        "convert",
        help="convert a UN Comtrade bulk CSV into a partitioned Parquet dataset",
        description="Convert a UN Comtrade CSV (plain or gzip) into a Parquet dataset folder "
        "that read_comtrade reads with filters in seconds. The input is only read; the "
        "dataset is written beside OUT and renamed into place when complete.",
    )
    convert.add_argument("src", metavar="SRC", help="the Comtrade CSV file (.csv or .csv.gz)")
    convert.add_argument("out", metavar="OUT", help="the dataset folder to create")
    convert.add_argument(
        "--partition-by",
        nargs="+",
        action="extend",
        metavar="COLUMN",
        help="columns to partition by (default: reporterISO period; 'none' for no folders)",
    )
    convert.add_argument("--overwrite", action="store_true", help="replace an existing OUT")
    return parser


def _given(pairs: Sequence[Sequence[str]]) -> dict[str, str]:
    given: dict[str, str] = {}
    for name, value in pairs:
        if name in given:
            raise ParameterError(f"parameter {name!r} is given twice; give it once")
        given[name] = value
    return given


def _partners(values: Sequence[str] | None) -> list[str] | None:
    if values is None:
        return None
    partners = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if not partners:
        raise ParameterError("--partner needs at least one ISO3 code, e.g. --partner MNG")
    return partners


def _exit_code(results) -> int:
    failed = [r for r in results if not r.ok]
    if not failed:
        return EXIT_OK
    if all((r.error or {}).get("ename") == "ParameterError" for r in failed):
        return EXIT_USAGE
    return EXIT_FAILED


def _print_summary(results, seconds: float, out) -> None:
    n_failed = sum(not r.ok for r in results)
    state = f"{len(results) - n_failed} ok, {n_failed} failed" if n_failed else "all ok"
    print(f"{len(results)} notebook(s) in {seconds:.1f} s: {state}")
    width = max(len(r.job.name) for r in results)
    for r in results:
        took = r.seconds.get("execute", 0) + r.seconds.get("render", 0)
        line = f"  {'ok' if r.ok else 'FAILED':6}  {r.job.name:{width}}  {took:5.1f} s"
        if not r.ok:
            line += f"  {r.describe_error()}"
            if r.files.get("html"):
                line += f"\n          see {out / r.files['html']}"
        print(line)


def _report(args) -> int:
    from kztrade.reports import DEFAULT_NOTEBOOKS, build_report

    report = build_report(
        _partners(args.partner),
        notebooks=args.notebooks or list(DEFAULT_NOTEBOOKS),
        out=args.out,
        parameters=_given(args.param),
        from_text=True,
        with_code=args.with_code,
        jobs=args.jobs,
        kernel=args.kernel,
        timeout=args.timeout,
        progress=False if args.quiet else None,
        command=shlex.join(["kztrade", *args.argv]),
        statement=args.statement,
    )
    _print_summary(report.results, report.seconds, report.out)
    print(f"manifest: {report.manifest}")
    print(report.index)
    return _exit_code(report.results)


def _run(args) -> int:
    from pathlib import Path

    from kztrade.reports import run_notebook

    result = run_notebook(
        args.notebook,
        parameters=_given(args.param),
        out=args.out,
        from_text=True,
        with_code=args.with_code,
        kernel=args.kernel,
        timeout=args.timeout,
        progress=False if args.quiet else None,
    )
    out = Path(args.out).expanduser().resolve()
    took = result.seconds.get("execute", 0) + result.seconds.get("render", 0)
    _print_summary([result], took, out)
    if result.files.get("ipynb"):
        print(f"notebook: {out / result.files['ipynb']}")
    if result.files.get("html"):
        print(out / result.files["html"])
    return _exit_code([result])


def _shorten(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 4] + "…" + text[-3:]


def _params(args) -> int:
    from kztrade.notebooks import available_notebooks, find_notebook, read_parameters

    if args.notebook is None:
        names = available_notebooks()
        if args.json:
            print(json.dumps(names))
        else:
            print("notebooks (see 'kztrade params NAME' for their parameters):")
            for name in names:
                print(f"  {name}")
        return EXIT_OK
    path = find_notebook(args.notebook)
    declared = read_parameters(path)
    if args.json:
        rows = [
            {"name": p.name, "type": p.type, "default": p.default, "help": p.help}
            for p in declared.values()
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"{path.stem} ({path})")
    if not declared:
        print("  no parameters (no cell tagged 'parameters')")
        return EXIT_OK
    rows = [("name", "type", "default", "help")] + [
        (p.name, p.type, _shorten(repr(p.default)), p.help) for p in declared.values()
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for name, kind, default, text in rows:
        print(f"  {name:{widths[0]}}  {kind:{widths[1]}}  {default:{widths[2]}}  {text}")
    return EXIT_OK


def _convert(args) -> int:
    import time
    from pathlib import Path

    from kztrade.comtrade import convert

    columns = [c for value in args.partition_by or [] for c in value.split(",") if c.strip()]
    if columns == ["none"]:
        columns = []
    elif not columns:
        columns = ["reporterISO", "period"]
    if Path(args.out).is_dir() and not args.overwrite:
        raise ParameterError(
            f"{args.out} exists; choose another folder, or add --overwrite to replace it"
        )
    start = time.perf_counter()
    out = convert(args.src, args.out, partition_by=columns, overwrite=args.overwrite)
    files = [p for p in Path(out).rglob("*.parquet")]
    size = sum(p.stat().st_size for p in files) / 2**20
    took = time.perf_counter() - start
    print(f"wrote {out} ({len(files)} Parquet file(s), {size:,.1f} MB) in {took:.1f} s")
    return EXIT_OK


def _warn(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"kztrade: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``kztrade`` command and return its exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (without the program name); default ``sys.argv[1:]``.

    Returns
    -------
    int
        :data:`EXIT_OK`, :data:`EXIT_FAILED` or :data:`EXIT_USAGE`.

    Examples
    --------
    >>> main(["run", "no_such_notebook"])
    2
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error argparse printed
        return int(exc.code or 0)
    args.argv = argv
    handler = {"report": _report, "run": _run, "params": _params, "convert": _convert}[args.command]
    with warnings.catch_warnings():
        warnings.showwarning = _warn
        try:
            return handler(args)
        except KztradeError as exc:
            print(f"kztrade {args.command}: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except KeyboardInterrupt:
            print("kztrade: interrupted", file=sys.stderr)
            return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

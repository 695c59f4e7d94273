"""Tests of the ``kztrade`` command: exit codes, batches with a failing notebook, output."""

import ast
import contextlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from kztrade import cli, reports
from kztrade.notebooks import notebook_dir, read_parameters
from kztrade.reports import Job, Result

HERE = Path(__file__).parent
SAMPLE_OK = str(HERE / "data" / "notebooks" / "sample_ok.ipynb")
SAMPLE_FAIL = str(HERE / "data" / "notebooks" / "sample_fail.ipynb")


def run_cli(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """One real batch: a notebook for two partners and a notebook that fails on purpose."""
    out = tmp_path_factory.mktemp("batch")
    argv = ["report", "-n", SAMPLE_OK, SAMPLE_FAIL, "--partner", "MNG,CHN", "-o", str(out)]
    argv += ["-p", "year", "2020", "--jobs", "2", "--quiet"]
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = cli.main(argv)
    manifest = json.loads((out / "manifest.json").read_text())
    return {"out": out, "code": code, "stdout": stdout.getvalue(), "manifest": manifest}


def test_a_batch_with_a_failing_notebook_exits_1_and_says_where(batch):
    assert batch["code"] == cli.EXIT_FAILED
    lines = batch["stdout"].splitlines()
    assert lines[0] == "3 notebook(s) in " + lines[0].split(" in ")[1]
    assert lines[0].endswith(": 2 ok, 1 failed")
    failed = [line for line in lines if "FAILED" in line]
    assert len(failed) == 1 and "sample_fail" in failed[0]
    assert (
        "RuntimeError: failing on purpose in cell In [3] ('raise RuntimeError(message)')"
        in (failed[0])
    )
    assert lines[-1] == str(batch["out"] / "index.html")


def test_the_failing_notebook_is_kept_partially_executed(batch):
    nb = nbformat.read(batch["out"] / "sample_fail.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    texts = ["".join(o.get("text", "") for o in c.outputs) for c in code]
    assert "first cell ran" in "".join(texts)
    assert code[-1].source == 'print("never reached")' and code[-1].execution_count is None
    page = (batch["out"] / "sample_fail.html").read_text()
    assert "raise RuntimeError(message)" in page  # shown with its code
    assert "failing on purpose" in page


def test_the_manifest_records_parameters_versions_data_figures_and_status(batch):
    m = batch["manifest"]
    assert m["status"] == "failed"
    assert m["command"].startswith("kztrade report -n ")
    assert m["options"] == {"with_code": False, "jobs": 2, "kernel": "python3", "timeout": None}
    assert m["versions"]["kztrade"] and m["versions"]["papermill"] and m["versions"]["pandas"]
    runs = {r["name"]: r for r in m["runs"]}
    assert list(runs) == ["sample_ok_MNG", "sample_ok_CHN", "sample_fail"]
    ok = runs["sample_ok_CHN"]
    assert ok["status"] == "ok" and ok["error"] is None
    assert ok["parameters"] == {
        "partner": "CHN",
        "year": 2020,
        "scale": 1.5,
        "show_chart": True,
        "labels": ["exports", "imports"],
    }
    assert ok["injected"] == {"year": 2020, "partner": "CHN"}
    assert ok["figures"]["value"] == {"value": 3030.0, "unit": "USD", "label": "Value 2020"}
    assert ok["figures"]["partner_code"]["value"] == "CHN"
    assert ok["seconds"]["execute"] > 0 and ok["seconds"]["render"] > 0
    assert ok["files"] == {"html": "sample_ok_CHN.html", "ipynb": "sample_ok_CHN.ipynb"}
    failed = runs["sample_fail"]
    assert failed["status"] == "failed"
    assert failed["error"]["ename"] == "RuntimeError"
    assert failed["error"]["execution_count"] == 3
    assert failed["figures"] == {"reached": {"value": 1, "unit": None, "label": "reached"}}
    (used,) = m["data"]["used"]
    assert used["dataset"] == "sample"
    assert used["sources"]["BNS"] == {"first": "2019", "last": "2020", "rows": 2, "vintages": []}
    assert used["used_by"] == ["sample_ok_MNG", "sample_ok_CHN"]
    for run in m["runs"]:
        for name in run["files"].values():
            assert (batch["out"] / name).is_file()


def test_the_html_reports_are_self_contained_without_code_or_errors(batch):
    for partner in ("MNG", "CHN"):
        page = (batch["out"] / f"sample_ok_{partner}.html").read_text()
        assert re.search(r'<img [^>]*src="data:image/png;base64,', page)
        assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"https?:", page)
        assert "jp-OutputArea-error" not in page and "Traceback" not in page
        assert "record(" not in page  # code hidden
        assert f"Sample chart for {partner}" not in page  # the title is in the image
        assert f"partner {partner}, value 3030.0" in page


def test_the_index_links_every_report_with_status_and_figures(batch):
    page = (batch["out"] / "index.html").read_text()
    for name in ("sample_ok_MNG", "sample_ok_CHN", "sample_fail"):
        assert f'href="{name}.html"' in page and f'href="{name}.ipynb"' in page
    assert "Value 2020: 3.03 k USD" in page
    assert "RuntimeError: failing on purpose" in page
    assert "3 notebook(s), 1 failed" in page


def test_run_converts_typed_parameters_and_prints_the_html_path_last(tmp_path, capsys):
    code, out, err = run_cli(
        capsys, "run", SAMPLE_OK, "-p", "year", "2010", "-p", "show_chart", "no",
        "-p", "partner", "RUS", "-o", str(tmp_path), "-q",
    )  # fmt: skip
    assert code == cli.EXIT_OK, err
    assert out.splitlines()[-1] == str(tmp_path / "sample_ok_RUS.html")
    nb = nbformat.read(tmp_path / "sample_ok_RUS.ipynb", as_version=4)
    figures = reports.read_records(nb)["figures"]
    assert figures["value"]["value"] == 3015.0
    assert figures["partner_code"]["value"] == "RUS"
    page = (tmp_path / "sample_ok_RUS.html").read_text()
    assert not re.search(r'<img [^>]*src="data:image/png', page)  # show_chart = False
    assert not (tmp_path / "index.html").exists()  # run leaves the report index alone


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", SAMPLE_OK, "-p", "year", "twenty"], "parameter 'year' must be an integer"),
        (["run", SAMPLE_OK, "-p", "yr", "2020"], "unknown parameter 'yr' (did you mean 'year'?)"),
        (["run", SAMPLE_OK, "-p", "year", "1", "-p", "year", "2"], "'year' is given twice"),
        (["run", "no_such_notebook"], "no notebook 'no_such_notebook'"),
        (["report", "-n", SAMPLE_FAIL, "--partner", "MNG"], "none of the selected notebooks"),
        (["report", "-n", SAMPLE_OK, "--partner", ","], "--partner needs at least one"),
        (["report", "-n", SAMPLE_OK, "--jobs", "0"], "jobs must be 1 or more, got 0"),
        (["report", "-n", SAMPLE_OK, "--kernel", "nope"], "no Jupyter kernel named 'nope'"),
        (["params", "no_such_notebook"], "no notebook 'no_such_notebook'"),
    ],
)
def test_usage_and_parameter_errors_exit_2_before_anything_runs(argv, message, tmp_path, capsys):
    code, out, err = run_cli(capsys, *argv, *(["-o", str(tmp_path)] if argv[0] != "params" else []))
    assert code == cli.EXIT_USAGE
    assert message in err
    assert out == ""
    assert list(tmp_path.iterdir()) == []


def test_argparse_errors_exit_2(capsys):
    code, _, err = run_cli(capsys, "run")
    assert code == cli.EXIT_USAGE and "the following arguments are required: NOTEBOOK" in err
    code, _, err = run_cli(capsys, "report", "--jobs", "two")
    assert code == cli.EXIT_USAGE and "invalid int value: 'two'" in err


def test_params_lists_types_defaults_and_help(capsys):
    code, out, _ = run_cli(capsys, "params", SAMPLE_OK)
    assert code == cli.EXIT_OK
    assert re.search(r"year\s+int\s+2021\s+year of the figure", out)
    assert re.search(r"labels\s+list\[str\]\s+\['exports', 'imports'\]\s+bar labels", out)
    code, out, _ = run_cli(capsys, "params", SAMPLE_OK, "--json")
    assert json.loads(out)[2] == {
        "name": "scale",
        "type": "float",
        "default": 1.5,
        "help": "multiplier applied to the year",
    }


def test_params_without_a_notebook_lists_the_notebooks(capsys):
    code, out, _ = run_cli(capsys, "params", "--json")
    assert code == cli.EXIT_OK
    assert json.loads(out) == sorted(p.stem for p in notebook_dir().glob("*.ipynb"))


def result(status, ename=None):
    job = Job("n.ipynb", "n", {}, {}, "N")
    return Result(job=job, status=status, error={"ename": ename} if ename else None)


def test_exit_codes_tell_parameter_failures_from_other_failures():
    assert cli._exit_code([result("ok")]) == 0
    assert cli._exit_code([result("ok"), result("failed", "RuntimeError")]) == 1
    assert cli._exit_code([result("failed", "ParameterError")]) == 2
    assert cli._exit_code([result("failed", "ParameterError"), result("failed", "KeyError")]) == 1


def test_the_console_script_is_installed():
    exe = Path(sys.executable).with_name("kztrade")
    done = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert done.stdout.startswith("kztrade ")


def test_the_notebooks_take_parameters_from_the_plain_papermill_command(tmp_path):
    exe = Path(sys.executable).with_name("papermill")
    out = tmp_path / "trade_overview_CHN.ipynb"
    notebook = notebook_dir() / "trade_overview.ipynb"
    argv = [str(exe), str(notebook), str(out), "--prepare-only", "-p", "partner", "CHN"]
    argv += ["-p", "first_year", "2010", "-p", "cif_fob", "1.1"]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    nb = nbformat.read(out, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert injected[0].source.splitlines()[1:] == [
        'partner = "CHN"',
        "first_year = 2010",
        "cif_fob = 1.1",
    ]
    # the injected values have the types the notebook declares
    declared = read_parameters(notebook)
    for node in ast.parse(injected[0].source).body:
        value = ast.literal_eval(node.value)
        assert type(value).__name__ == declared[node.targets[0].id].type


def test_convert_writes_a_parquet_dataset_and_refuses_to_overwrite(tmp_path, capsys):
    src = HERE / "data" / "comtrade_kaz_2019.csv"
    before = src.read_bytes()
    out = tmp_path / "kaz"
    code, stdout, _ = run_cli(capsys, "convert", str(src), str(out))
    assert code == cli.EXIT_OK
    assert stdout.startswith(f"wrote {out} (1 Parquet file(s)")
    assert sorted(p.name for p in out.iterdir()) == ["_common_metadata", "reporterISO=KAZ"]
    code, stdout, err = run_cli(capsys, "convert", str(src), str(out))
    assert code == cli.EXIT_USAGE and stdout == ""
    assert (
        err == f"kztrade convert: error: {out} exists; choose another folder, or add "
        "--overwrite to replace it\n"
    )
    code, _, _ = run_cli(
        capsys, "convert", str(src), str(out), "--overwrite", "--partition-by", "none"
    )
    assert code == cli.EXIT_OK
    assert sorted(p.name for p in out.iterdir()) == ["_common_metadata", "part-0.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kaz"]
    assert src.read_bytes() == before


def test_convert_bad_input_exits_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("reporter,value\nKAZ,1\n")
    code, _, err = run_cli(capsys, "convert", str(bad), str(tmp_path / "out"))
    assert code == cli.EXIT_USAGE
    assert err.startswith(f"kztrade convert: error: {bad}: missing column(s)")
    assert err.count("\n") == 1
    code, _, err = run_cli(capsys, "convert", str(bad), str(tmp_path / "o"), "--partition-by", "x")
    assert code == cli.EXIT_USAGE and err.count("\n") == 1
    assert not (tmp_path / "out").exists() and not (tmp_path / "o").exists()

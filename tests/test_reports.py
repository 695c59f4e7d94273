"""Tests of kztrade.reports and kztrade.notebooks that need no Jupyter kernel."""

import base64
import contextlib
import copy
import html
import io
import json
import math
import multiprocessing
import os
import re
import threading
import time
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import papermill
import pytest

from kztrade import cli, datasets, reports
from kztrade import notebooks as notebooks_module
from kztrade.errors import ParameterError
from kztrade.notebooks import (
    Parameter,
    bind_parameters,
    check_value,
    find_notebook,
    notebook_dir,
    parse_value,
    read_parameters,
)
from kztrade.schema import make_frame

HERE = Path(__file__).parent
SAMPLE_OK = HERE / "data" / "notebooks" / "sample_ok.ipynb"
SAMPLE_FAIL = HERE / "data" / "notebooks" / "sample_fail.ipynb"
# a 1x1 PNG
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cf000001010100185dd6b50000000049454e44ae426082"
    )
).decode()


def notebook_with_outputs():
    code = nbformat.v4.new_code_cell("secret_source_line = 42\nplt.plot()")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
        nbformat.v4.new_output(
            "display_data",
            data={
                reports.RECORD_MIME: {"kind": "figure", "name": "x", "value": 1.0, "unit": None},
                "text/plain": "recorded-line",
            },
        ),
        nbformat.v4.new_output("stream", name="stdout", text="visible output\n"),
    ]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"), code])


# -- record, read_records, format_figure ------------------------------------------------


def test_record_converts_numpy_and_non_finite_values():
    assert reports.record("a", np.float64(1.5))["value"] == 1.5
    assert type(reports.record("b", np.int64(3))["value"]) is int
    assert reports.record("c", float("nan"))["value"] is None
    assert reports.record("d", np.inf)["value"] is None
    assert reports.record("e", pd.Period("2021", "Y"))["value"] == "2021"
    assert reports.record("f", 1, unit="USD")["label"] == "f"


def test_record_rejects_an_empty_name():
    with pytest.raises(ParameterError, match="record: name must be non-empty text, got ''"):
        reports.record("", 1)


def test_record_sources_lists_spans_and_vintages_without_mutating():
    frame = make_frame(
        {
            "period": [2019, 2020, 2021, 2020],
            "reporter": "KAZ",
            "partner": "MNG",
            "flow": "export",
            "commodity": "TOTAL",
            "value_usd": [1.0, 2.0, 3.0, 4.0],
            "source": ["BNS", "BNS", "BNS", "COMTRADE"],
            "vintage": ["2022-07", "2022-07", "2023-07", None],
        },
        freq="Y",
    )
    frame.attrs["dataset"] = "partner_annual"
    frame.attrs["file"] = "/somewhere/partner_annual.csv"
    before = frame.copy()
    got = reports.record_sources(frame)
    pd.testing.assert_frame_equal(frame, before)
    assert got == {
        "dataset": "partner_annual",
        "file": "partner_annual.csv",
        "sources": {
            "BNS": {"first": "2019", "last": "2021", "rows": 3, "vintages": ["2022-07", "2023-07"]},
            "COMTRADE": {"first": "2020", "last": "2020", "rows": 1, "vintages": []},
        },
    }


def test_read_records_keeps_order_and_lets_the_last_record_win():
    cell = nbformat.v4.new_code_cell("")
    payloads = [
        {"kind": "figure", "name": "a", "value": 1, "unit": None, "label": "a"},
        {"kind": "data", "dataset": "d", "file": None, "sources": {}},
        {"kind": "figure", "name": "b", "value": 2, "unit": "USD", "label": "b"},
        {"kind": "figure", "name": "a", "value": 3, "unit": None, "label": "a"},
    ]
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={reports.RECORD_MIME: p}) for p in payloads
    ]
    nb = nbformat.v4.new_notebook(cells=[cell])
    got = reports.read_records(nb)
    assert list(got["figures"]) == ["b", "a"]
    assert got["figures"]["a"]["value"] == 3
    assert got["data"] == [{"dataset": "d", "file": None, "sources": {}}]


@pytest.mark.parametrize(
    ("figure", "text"),
    [
        ({"value": 57_130_000.0, "unit": "USD"}, "57.13 M USD"),
        ({"value": 60.32e9, "unit": "USD"}, "60.32 bn USD"),
        ({"value": -2_441.0, "unit": "USD"}, "-2.44 k USD"),
        ({"value": 12.0, "unit": "USD"}, "12 USD"),
        ({"value": 94.87, "unit": "%"}, "94.9%"),
        ({"value": 94.87, "unit": "% change"}, "+94.9%"),
        ({"value": -3.0, "unit": "% change"}, "-3.0%"),
        ({"value": 0.7051, "unit": "pp"}, "+0.7 pp"),
        ({"value": 0.1234, "unit": None}, "0.1234"),
        ({"value": 7, "unit": "chapters"}, "7 chapters"),
        ({"value": "ETS", "unit": None}, "ETS"),
        ({"value": None, "unit": "%"}, "n/a"),
    ],
)
def test_format_figure(figure, text):
    assert reports.format_figure(figure) == text


# -- HTML ------------------------------------------------------------------------------------


def test_render_html_is_self_contained_and_hides_code_and_records():
    nb = notebook_with_outputs()
    before = copy.deepcopy(nb)
    page = reports.render_html(nb, title="T", header={"Parameters": {"partner": "MNG"}})
    assert nb == before
    assert f"data:image/png;base64,{PNG}" in page
    assert "<script src=" not in page and "<link " not in page
    assert "secret_source_line" not in page
    assert "recorded-line" not in page
    assert "visible output" in page
    assert "partner = 'MNG'" in page
    assert "<title>T</title>" in page


def test_render_html_shows_code_when_asked():
    page = reports.render_html(notebook_with_outputs(), with_code=True)
    assert "secret_source_line" in page


# -- atomic writes, publishing, concurrent runs ------------------------------------------


def test_atomic_write_leaves_old_content_when_the_swap_fails(tmp_path, monkeypatch):
    target = tmp_path / "index.html"
    reports.atomic_write(target, "old")

    def refuse(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(reports.os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        reports.atomic_write(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


def fake_execute(tag, delay=0.0):
    """An executor that writes outputs the way the real one does, without a kernel."""

    def execute(job, staging, options):
        time.sleep(delay)
        staging = Path(staging)
        (staging / f"{job.name}.ipynb").write_text(f"{tag} {job.name} ipynb")
        (staging / f"{job.name}.html").write_text(f"{tag} {job.name} html " + "x" * 200_000)
        return reports.Result(
            job=job,
            status="ok",
            figures={"tag": {"value": tag, "unit": None, "label": "tag"}},
            seconds={"execute": delay, "render": 0.0},
            files={"html": f"{job.name}.html", "ipynb": f"{job.name}.ipynb"},
        )

    return execute


def test_a_rerun_replaces_the_previous_report_and_keeps_other_files(tmp_path, monkeypatch):
    monkeypatch.setattr(reports, "_execute", fake_execute("first"))
    reports.build_report(["MNG", "CHN"], notebooks=[SAMPLE_OK], out=tmp_path, jobs=1)
    (tmp_path / "notes.txt").write_text("mine")
    assert (tmp_path / "sample_ok_CHN.html").exists()
    monkeypatch.setattr(reports, "_execute", fake_execute("second"))
    report = reports.build_report(["MNG"], notebooks=[SAMPLE_OK], out=tmp_path, jobs=1)
    assert report.ok
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        ".kztrade.lock",
        "index.html",
        "manifest.json",
        "notes.txt",
        "sample_ok_MNG.html",
        "sample_ok_MNG.ipynb",
    ]
    assert (tmp_path / "sample_ok_MNG.html").read_text().startswith("second")


def test_two_runs_at_once_never_mix_half_files(tmp_path, monkeypatch):
    partners = ["MNG", "CHN", "RUS"]
    executors = {"A": fake_execute("A", 0.05), "B": fake_execute("B", 0.07)}

    def execute(job, staging, options):
        return executors[threading.current_thread().name](job, staging, options)

    monkeypatch.setattr(reports, "_execute", execute)
    errors = []

    def run():
        try:
            reports.build_report(partners, notebooks=[SAMPLE_OK], out=tmp_path, jobs=1)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, name=tag) for tag in executors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    winner = manifest["runs"][0]["figures"]["tag"]["value"]
    for run_ in manifest["runs"]:
        for name in run_["files"].values():
            text = (tmp_path / name).read_text()
            kind = name.rsplit(".", 1)[1]
            assert text.split(" ")[:3] == [winner, run_["name"], kind]
    assert len((tmp_path / "sample_ok_MNG.html").read_text()) > 200_000
    assert not list(tmp_path.glob(".run-*"))
    assert not list(tmp_path.glob("*.tmp"))


def execute_or_die(job, staging, options):
    """Like the real executor, but the worker process dies on China (as if killed)."""
    if job.name.endswith("CHN"):
        os._exit(3)
    return fake_execute("ok")(job, staging, options)


def test_a_worker_that_dies_fails_its_notebook_and_the_report_is_still_published(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(reports, "_execute", execute_or_die)
    # forked workers see the replaced executor (a fork server would import the real one)
    monkeypatch.setattr(reports, "_pool_context", lambda: multiprocessing.get_context("fork"))
    report = reports.build_report(["MNG", "CHN"], notebooks=[SAMPLE_OK], out=tmp_path, jobs=2)
    failed = {r.job.name: r.error["ename"] for r in report.failed}
    assert failed.get("sample_ok_CHN") == "BrokenProcessPool"
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [r["name"] for r in manifest["runs"]] == ["sample_ok_MNG", "sample_ok_CHN"]
    assert (tmp_path / "index.html").exists()


def test_abandoned_staging_folders_are_removed_but_live_ones_kept(tmp_path):
    dead = tmp_path / ".run-dead"
    dead.mkdir()
    (dead / ".kztrade.lock").touch()
    live = tmp_path / ".run-live"
    live.mkdir()
    with reports._locked(live / ".kztrade.lock"):
        reports._clean_abandoned(tmp_path)
        assert live.exists()
    assert not dead.exists()


# -- planning a batch -----------------------------------------------------------------------


def test_plan_runs_partner_notebooks_per_partner_and_others_once():
    jobs = reports._plan(
        [SAMPLE_OK, SAMPLE_FAIL], ["mng", "CHN", "MNG"], {"year": "2020"}, from_text=True
    )
    assert [j.name for j in jobs] == ["sample_ok_MNG", "sample_ok_CHN", "sample_fail"]
    assert jobs[0].parameters == {"year": 2020, "partner": "MNG"}
    assert jobs[0].resolved["scale"] == 1.5
    assert jobs[2].parameters == {}
    assert jobs[0].title == "Sample report — Mongolia"


def test_plan_rejects_partners_for_notebooks_without_a_partner():
    with pytest.raises(ParameterError, match="none of the selected notebooks has a 'partner'"):
        reports._plan([SAMPLE_FAIL], ["MNG"], {}, from_text=True)


def test_plan_wants_partners_through_the_partner_option():
    with pytest.raises(ParameterError, match="give partners with --partner"):
        reports._plan([SAMPLE_OK], None, {"partner": "CHN"}, from_text=True)


def test_plan_names_unknown_parameters_with_the_closest_one():
    with pytest.raises(ParameterError, match=r"parameter\(s\) 'yaer' \(did you mean 'year'\?\)"):
        reports._plan([SAMPLE_OK, SAMPLE_FAIL], None, {"yaer": "1"}, from_text=True)


def test_plan_rejects_a_notebook_named_twice():
    with pytest.raises(ParameterError, match="a notebook is named twice"):
        reports._plan([SAMPLE_OK, SAMPLE_OK], None, {}, from_text=True)


def test_a_statement_adds_the_statement_check_once():
    notebooks, fixed = reports._with_statement(
        [SAMPLE_OK], ["MNG", "CHN"], "Turnover reached 60.9 million USD"
    )
    assert [Path(str(n)).stem for n in notebooks] == ["sample_ok", "statement_check"]
    jobs = reports._plan(notebooks, ["MNG", "CHN"], {}, from_text=True, fixed=fixed)
    assert [j.name for j in jobs] == ["sample_ok_MNG", "sample_ok_CHN", "statement_check"]
    assert jobs[2].parameters == {"statement": "Turnover reached 60.9 million USD", "partner": ""}
    with pytest.raises(ParameterError, match="the statement is empty"):
        reports._with_statement([SAMPLE_OK], None, "  ")


def test_check_kernel_names_the_missing_kernel():
    with pytest.raises(ParameterError, match="no Jupyter kernel named 'nope'; kernels installed"):
        reports.check_kernel("nope")
    assert reports.check_kernel("python3")


# -- notebooks: discovery and parameters ---------------------------------------------------


def test_read_parameters_agrees_with_papermill():
    ours = read_parameters(SAMPLE_OK)
    theirs = papermill.inspect_notebook(str(SAMPLE_OK))
    assert list(ours) == list(theirs) == ["partner", "year", "scale", "show_chart", "labels"]
    assert {n: p.type for n, p in ours.items()} == {
        "partner": "str",
        "year": "int",
        "scale": "float",
        "show_chart": "bool",
        "labels": "list[str]",
    }
    assert ours["labels"].default == ["exports", "imports"]
    assert ours["year"].help == theirs["year"]["help"] == "year of the figure"


def write_notebook(path, source):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    return path


def test_read_parameters_reads_annotations_and_type_comments(tmp_path):
    path = write_notebook(
        tmp_path / "typed.ipynb",
        "top: int = 10  # chapters shown\n"
        "month = None  # type: Optional[int] last month, None for the latest\n"
        'name: "Optional[str]" = None  # a name\n'
        "anything = None  # no type given\n",
    )
    got = {n: p.type for n, p in read_parameters(path).items()}
    assert got == {"top": "int", "month": "int | None", "name": "str | None", "anything": "any"}


def test_read_parameters_wants_literal_defaults(tmp_path):
    path = write_notebook(tmp_path / "expr.ipynb", "start = max(1, 2)  # not a literal\n")
    with pytest.raises(ParameterError, match=r"the default of parameter 'start' is 'max\(1, 2\)'"):
        read_parameters(path)


def test_read_parameters_refuses_lines_papermill_would_skip(tmp_path):
    path = write_notebook(
        tmp_path / "eq.ipynb", 'partner = "MNG"  # partner (for series = "partner")\n'
    )
    with pytest.raises(
        ParameterError,
        match=r"eq.ipynb: papermill cannot read parameter 'partner' on line 1 .*no '=' in its",
    ):
        read_parameters(path)


def test_a_notebook_without_parameters_has_none(tmp_path):
    path = tmp_path / "plain.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), path)
    assert read_parameters(path) == {}


def test_find_notebook_by_path_and_unknown_names(tmp_path):
    assert find_notebook(str(SAMPLE_OK)) == SAMPLE_OK.resolve()
    assert notebook_dir().is_dir()
    with pytest.raises(ParameterError, match=r"no notebook '.*missing\.ipynb': give the path"):
        find_notebook(tmp_path / "missing.ipynb")


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("str", " MNG ", " MNG "),
        ("int", "2_021", 2021),
        ("int", "-3", -3),
        ("float", "2", 2.0),
        ("float", "1e6", 1e6),
        ("bool", "Yes", True),
        ("bool", "0", False),
        ("list[str]", "CHN, RUS", ["CHN", "RUS"]),
        ("list[str]", '["CHN", "RUS"]', ["CHN", "RUS"]),
        ("list[int]", "2019,2020", [2019, 2020]),
        ("list[str]", "", []),
        ("int | None", "None", None),
        ("int | None", "7", 7),
        ("dict", '{"a": 1}', {"a": 1}),
        ("any", "[1, 2]", [1, 2]),
        ("any", "MNG", "MNG"),
    ],
)
def test_parse_value_converts_text(kind, text, value):
    assert parse_value(Parameter("p", kind, None, ""), text) == value


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("int", "2021.0", "must be an integer \\(int\\), got '2021.0'"),
        ("float", "ten", "must be a number \\(float\\), got 'ten'"),
        ("bool", "maybe", "must be true or false \\(bool\\), got 'maybe'"),
        ("list[int]", "1,x", "must be a list of integers, got '1,x'"),
        ("int", "None", "must be an integer \\(int\\), got 'None'"),
        ("int | None", "x", "must be an integer \\(int\\) or None, got 'x'"),
        ("dict", "[1]", "must be a mapping \\(dict\\), got '\\[1\\]'"),
    ],
)
def test_parse_value_rejects_text_of_another_type(kind, text, message):
    with pytest.raises(ParameterError, match=f"^parameter 'p' {message}$"):
        parse_value(Parameter("p", kind, None, ""), text)


@pytest.mark.parametrize(
    ("kind", "value"),
    [("int", True), ("int", 1.0), ("float", False), ("float", math.nan), ("bool", 1),
     ("str", 3), ("list[str]", ["a", 1]), ("list", "abc")],
)  # fmt: skip
def test_check_value_rejects_python_values_of_another_type(kind, value):
    with pytest.raises(
        ParameterError, match=f"^parameter 'p' must be .*, got {re.escape(repr(value))}"
    ):
        check_value(Parameter("p", kind, None, ""), value)


def test_check_value_normalises():
    assert check_value(Parameter("p", "float", 1.0, ""), 2) == 2.0
    assert check_value(Parameter("p", "list[str]", [], ""), ("a", "b")) == ["a", "b"]
    assert check_value(Parameter("p", "str | None", None, ""), None) is None


def test_bind_parameters_names_every_problem_at_once():
    declared = read_parameters(SAMPLE_OK)
    with pytest.raises(ParameterError) as info:
        bind_parameters(
            declared,
            {"year": "abc", "sacle": "2", "show_chart": "perhaps"},
            notebook="sample_ok",
            from_text=True,
        )
    assert str(info.value) == (
        "sample_ok: parameter 'year' must be an integer (int), got 'abc'; "
        "unknown parameter 'sacle' (did you mean 'scale'?); "
        "parameter 'show_chart' must be true or false (bool), got 'perhaps'; "
        "its parameters are: partner, year, scale, show_chart, labels "
        "(list them with 'kztrade params sample_ok')"
    )


def test_bind_parameters_does_not_mutate_its_input():
    declared = read_parameters(SAMPLE_OK)
    values = {"labels": ("a", "b")}
    assert bind_parameters(declared, values, notebook="s") == {"labels": ["a", "b"]}
    assert values == {"labels": ("a", "b")}


# -- kztrade's own notebooks, executed ------------------------------------------------------

NOTEBOOKS = ("trade_overview", "commodity_structure", "turnover_forecast")
PARAMETERS = {
    "trade_overview": [
        "reporter", "partner", "first_year", "last_year", "source", "ytd_month", "cif_fob",
    ],
    "commodity_structure": ["flow", "first_year", "last_year", "top", "months"],
    "turnover_forecast": ["series", "partner", "flow", "sources", "horizon", "year"],
}  # fmt: skip


def code_cells(name):
    nb = nbformat.read(notebook_dir() / f"{name}.ipynb", as_version=4)
    return nb, [c for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_declare_their_parameters_and_are_committed_clean(name):
    assert (
        list(papermill.inspect_notebook(str(notebook_dir() / f"{name}.ipynb")))
        == (PARAMETERS[name])
    )
    assert list(read_parameters(name)) == PARAMETERS[name]
    nb, cells = code_cells(name)
    tagged = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and cells[0] is tagged[0]
    assert f"notebooks.check_{name}(" in cells[1].source  # the check comes right after
    for cell in cells:
        assert cell.outputs == [] and cell.execution_count is None
        assert "def " not in cell.source and "lambda" not in cell.source
    assert nb.metadata.kernelspec.name == "python3"


def text_of(page):
    """The visible text of a report page."""
    body = page[page.index("<main>") :]
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def check_page(path, *, images):
    page = path.read_text(encoding="utf-8")
    shown = re.findall(r'<img [^>]*src="data:image/png;base64,', page)
    assert len(shown) == images
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"(?!data:)", page)
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in page  # no error or warning
    assert "Traceback" not in page
    return text_of(page)


def usd(value):
    for scale, suffix in ((1e9, "bn"), (1e6, "M")):
        if abs(value) >= scale:
            return f"{value / scale:,.2f} {suffix} USD"
    raise AssertionError(value)


@pytest.fixture(scope="module")
def data():
    return {
        "annual": datasets.load_partner_annual(),
        "monthly": datasets.load_total_monthly(),
        "mirror": datasets.load_mirror_annual(),
        "chapters": datasets.load_commodity_monthly(),
    }


@pytest.fixture(scope="module")
def defaults(tmp_path_factory):
    """The default report: every notebook with its defaults (Kazakhstan–Mongolia)."""
    out = tmp_path_factory.mktemp("defaults")
    report = reports.build_report(out=out, jobs=2, progress=False)
    return report


@pytest.fixture(scope="module")
def second(tmp_path_factory):
    """China as the partner (imports forecast), and a partner with no data at all."""
    out = tmp_path_factory.mktemp("second")
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = cli.main(
            ["report", "-n", "trade_overview", "turnover_forecast", "--partner", "CHN,ATA"]
            + ["-p", "flow", "import", "-o", str(out), "-q"]
        )
    return {"out": out, "code": code, "stdout": stdout.getvalue()}


def turnover(annual, partner, year):
    rows = annual[
        (annual["partner"] == partner)
        & (annual["source"] == "BNS")
        & (annual["period"].dt.year == year)
    ]
    return rows.groupby("flow", observed=True)["value_usd"].sum()


def test_the_default_report_runs_every_notebook(defaults):
    assert defaults.ok, [r.describe_error() for r in defaults.failed]
    assert [r.job.name for r in defaults.results] == [
        "trade_overview_MNG",
        "commodity_structure",
        "turnover_forecast_MNG",
    ]
    index = defaults.index.read_text(encoding="utf-8")
    for result in defaults.results:
        assert f'href="{result.files["html"]}"' in index


def test_trade_overview_shows_the_figures_of_the_data(defaults, data):
    text = check_page(defaults.out / "trade_overview_MNG.html", images=3)
    now, before = turnover(data["annual"], "MNG", 2025), turnover(data["annual"], "MNG", 2024)
    assert f"came to {usd(now.sum())} (BNS), {(now.sum() / before.sum() - 1) * 100:+.1f}%" in text
    assert f"Exports were {usd(now['export'])} and imports {usd(now['import'])}" in text
    # the published sanity figures: 2021 turnover 57.13 M USD, +94.9% on 2020
    assert "2021 54.69 +99.4% 2.44 +30.3% 57.13 +94.9%" in text
    dots = data["annual"][(data["annual"]["source"] == "IMF-DOTS")]
    kaz = dots[(dots["partner"] == "MNG") & (dots["flow"] == "export")]
    mng = data["mirror"][
        (data["mirror"]["reporter"] == "MNG")
        & (data["mirror"]["flow"] == "import")
        & (data["mirror"]["source"] == "IMF-DOTS")
    ]
    for year in (2019, 2020):
        k = float(kaz.loc[kaz["period"].dt.year == year, "value_usd"].iloc[0])
        m = float(mng.loc[mng["period"].dt.year == year, "value_usd"].iloc[0])
        # as reported, then on the FOB basis (MNG's CIF imports / 1.06), then the gap: the
        # difference of the two FOB columns as shown
        k_shown, m_fob = f"{k / 1e6:.2f}", f"{m / 1.06 / 1e6:.2f}"
        gap = f"{float(k_shown) - float(m_fob):.2f}"
        assert (
            f"{year} KAZ→MNG IMF-DOTS IMF-DOTS {k_shown} {m / 1e6:.2f} {k_shown} {m_fob} {gap}"
            in text
        )
    # Mongolia's own statistics (NSO) reach 2024, against Kazakhstan's BNS
    bns = data["annual"][(data["annual"]["source"] == "BNS") & (data["annual"]["partner"] == "MNG")]
    nso = data["mirror"][
        (data["mirror"]["source"] == "NSO-MN") & (data["mirror"]["partner"] == "KAZ")
    ]
    k = float(
        bns.loc[(bns["flow"] == "import") & (bns["period"].dt.year == 2024), "value_usd"].iloc[0]
    )
    m = float(nso.loc[nso["period"].dt.year == 2024, "value_usd"].iloc[0])
    k_fob, m_shown = f"{k / 1.06 / 1e6:.2f}", f"{m / 1e6:.2f}"
    gap = f"{float(k_fob) - float(m_shown):.2f}"
    assert f"2024 MNG→KAZ BNS NSO-MN {k / 1e6:.2f} {m_shown} {k_fob} {m_shown} {gap}" in text
    assert "2025 MNG→KAZ" not in text
    assert "2020 for Kazakhstan's exports to Mongolia; 2024 for Kazakhstan's imports" in text
    assert "For Kazakhstan's imports from Mongolia both report up to 2024" in text
    months = data["monthly"][data["monthly"]["period"].dt.year.isin([2025, 2026])]
    months = months[months["period"].dt.month <= 6]
    by_year = months.groupby(months["period"].dt.year)["value_usd"].sum()
    growth_ytd = (by_year[2026] / by_year[2025] - 1) * 100
    assert f"Jan–Jun 2026: {usd(by_year[2026])}, {growth_ytd:+.1f}% on Jan–Jun 2025" in text
    figures = {r.job.name: r.figures for r in defaults.results}["trade_overview_MNG"]
    assert figures["turnover"]["value"] == pytest.approx(now.sum())
    assert figures["world_turnover_ytd"]["value"] == pytest.approx(by_year[2026])


def test_commodity_structure_shows_shares_and_concentration(defaults, data):
    text = check_page(defaults.out / "commodity_structure.html", images=3)
    chapters = data["chapters"]
    rows = chapters[
        (chapters["flow"] == "export")
        & (chapters["commodity"] != "TOTAL")
        & (chapters["period"].dt.year == 2025)
    ]
    by_chapter = rows.groupby("commodity")["value_usd"].sum()
    shares = by_chapter / by_chapter.sum()
    hhi = float(((shares * 100) ** 2).sum())
    assert f"exports came to {usd(by_chapter.sum())} (BNS)" in text
    assert f"27 Mineral fuels, oil, gas, made up {shares['27'] * 100:.1f}%" in text
    assert f"Concentration (HHI) was {hhi:,.0f}" in text
    assert f"1 27 Mineral fuels, oil, gas {by_chapter['27'] / 1e9:.2f} {shares['27']:.1%}" in text


def test_turnover_forecast_shows_model_intervals_and_projection(defaults, data):
    text = check_page(defaults.out / "turnover_forecast_MNG.html", images=2)
    figures = {r.job.name: r.figures for r in defaults.results}["turnover_forecast_MNG"]
    model = figures["model"]["value"]
    # the fixed rule: the median of four, unless the guard sets it aside
    assert model.startswith("median(")
    assert "Kazakhstan–Mongolia turnover for 2026–2028 is the point-wise median" in text
    assert "That median is the fixed rule for every series" in text
    assert "smallest error" not in text
    mase, best = figures["mase"]["value"], figures["best_single_mase"]["value"]
    assert f"(MASE) of {mase:.2f}, against {figures['naive_mase']['value']:.2f}" in text
    if best < mase:
        assert f"{figures['best_single_model']['value']} scored better ({best:.2f})" in text
    assert re.search(rf"{re.escape(model)} [\d.]+ [\d.]+ \d+% \d+% ✓", text)
    for year in (2026, 2027, 2028):
        assert re.search(rf"{year} [\d.,]+ [\d.,]+ – [\d.,]+ [\d.,]+ – [\d.,]+", text)
    months = data["monthly"][data["monthly"]["period"].dt.year == 2026]
    ytd = usd(months["value_usd"].sum())
    assert f"January–June 2026: Kazakhstan's turnover with the world of {ytd}" in text
    lower, upper = figures["projected_lower_95"]["value"], figures["projected_upper_95"]["value"]
    assert months["value_usd"].sum() < lower < figures["projected_total"]["value"] < upper


def test_a_second_partner_and_a_partner_without_data(second, data):
    assert second["code"] == cli.EXIT_USAGE  # only the partner without data failed its checks
    out = second["out"]
    manifest = json.loads((out / "manifest.json").read_text())
    status = {r["name"]: r["status"] for r in manifest["runs"]}
    assert status == {
        "trade_overview_CHN": "ok",
        "trade_overview_ATA": "failed",
        "turnover_forecast_CHN": "ok",
        "turnover_forecast_ATA": "failed",
    }
    failed = {r["name"]: r["error"] for r in manifest["runs"] if r["error"]}
    assert failed["trade_overview_ATA"]["ename"] == "ParameterError"
    assert failed["trade_overview_ATA"]["line"] == "notebooks.check_trade_overview("
    assert "partner 'ATA' has no BNS data" in failed["trade_overview_ATA"]["evalue"]
    now = turnover(data["annual"], "CHN", 2025)
    text = check_page(out / "trade_overview_CHN.html", images=3)
    assert f"trade with China came to {usd(now.sum())} (BNS)" in text
    assert f"a deficit of {usd(now['import'] - now['export'])} for Kazakhstan" in text
    assert "CHN→KAZ" in text and "KAZ, FOB basis (imports ÷ 1.06), USD m" in text
    # no national statistics of China bundled: IMF DOTS on both sides, as far as 2020
    assert "The latest year both report: 2020 in both directions." in text
    assert "In 2020, the latest year both report, Kazakhstan recorded" in text
    assert "NSO" not in text and "2021 CHN→KAZ" not in text
    assert re.search(r"2020 CHN→KAZ IMF-DOTS IMF-DOTS [\d,.]+ [\d,.]+", text)
    text = check_page(out / "turnover_forecast_CHN.html", images=2)
    assert "The forecast of Kazakhstan–China imports for 2026–2028 " in text
    months = data["monthly"][
        (data["monthly"]["period"].dt.year == 2026) & (data["monthly"]["flow"] == "import")
    ]
    ytd = usd(months["value_usd"].sum())
    assert f"January–June 2026: Kazakhstan's imports with the world of {ytd}" in text


def test_notebooks_are_found_in_an_installed_wheel_layout(tmp_path, monkeypatch):
    packaged = tmp_path / "kztrade" / "_notebooks"
    packaged.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), packaged / "trade_overview.ipynb")
    monkeypatch.setattr(notebooks_module, "_HERE", tmp_path / "kztrade")
    assert notebook_dir() == packaged
    assert find_notebook("trade_overview") == packaged / "trade_overview.ipynb"


def test_charts_in_a_page_are_described_by_their_section():
    png = base64.b64encode(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360000002000105fe02dc0000000049454e44ae426082"
        )
    ).decode("ascii")
    chart = nbformat.v4.new_output("display_data", data={"image/png": png})
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("Some words.\n\n## Exports by *year*"),
            nbformat.v4.new_code_cell("plot()", outputs=[chart]),
            nbformat.v4.new_code_cell(
                "show()",
                outputs=[
                    nbformat.v4.new_output(
                        "display_data", data={"text/markdown": "### Imports <b>x</b>"}
                    ),
                    copy.deepcopy(chart),
                ],
            ),
        ]
    )
    page = reports.render_html(nb, title="Example")
    assert re.findall(r'<img[^>]*alt="([^"]*)"', page) == [
        "Chart: Exports by year",
        "Chart: Imports &lt;b&gt;x&lt;/b&gt;",
    ]
    assert "No description has been provided" not in page


def test_image_size_metadata_cannot_add_attributes():
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode("ascii")
    meta = {"image/png": {"width": "1 onerror=alert(3)", "height": 40}}
    out = nbformat.v4.new_output("display_data", data={"image/png": png}, metadata=meta)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[out])])
    page = reports.render_html(nb, title="Example")
    tag = re.search(r"<img[^>]*>", page).group(0)
    assert "onerror" not in tag and 'height="40"' in tag

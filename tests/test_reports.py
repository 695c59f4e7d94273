"""Tests of kztrade.reports and kztrade.notebooks that need no Jupyter kernel."""

import base64
import copy
import json
import math
import re
import threading
import time
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import papermill
import pytest

from kztrade import reports
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
    assert jobs[0].title == "Sample report — MNG"


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

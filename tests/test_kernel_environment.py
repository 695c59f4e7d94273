"""Kernels draw charts into the report whatever matplotlib backend the shell asks for."""

import os
from pathlib import Path

from kztrade.reports import run_notebook

SAMPLE = Path(__file__).parent / "data" / "notebooks" / "sample_ok.ipynb"


def test_a_headless_backend_in_the_shell_still_gives_charts(tmp_path, monkeypatch):
    # MPLBACKEND=Agg is common in scheduled jobs; inherited by the kernel, it would leave
    # the report's pages without a single chart.
    monkeypatch.setenv("MPLBACKEND", "Agg")
    result = run_notebook(SAMPLE, out=tmp_path, progress=False)
    assert result.ok, result.describe_error()
    page = (tmp_path / result.files["html"]).read_text(encoding="utf-8")
    assert page.count("<img") >= 1
    assert os.environ["MPLBACKEND"] == "Agg"  # the caller's environment is left as it was

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


def test_kernels_get_the_system_allocator_unless_the_user_chose_one(monkeypatch):
    from kztrade.reports import ARROW_POOL_VARIABLE, _kernel_environment

    monkeypatch.delenv(ARROW_POOL_VARIABLE, raising=False)
    with _kernel_environment():
        assert os.environ[ARROW_POOL_VARIABLE] == "system"
    assert ARROW_POOL_VARIABLE not in os.environ  # the caller's environment is restored
    monkeypatch.setenv(ARROW_POOL_VARIABLE, "mimalloc")
    with _kernel_environment():
        assert os.environ[ARROW_POOL_VARIABLE] == "mimalloc"
    assert os.environ[ARROW_POOL_VARIABLE] == "mimalloc"

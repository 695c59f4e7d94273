"""Shared fixtures: paths from this file, a non-interactive matplotlib, closed figures."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
ROOT = TESTS.parent
RAW = ROOT.parent / "shared" / "data"


@pytest.fixture
def data_dir() -> Path:
    """The folder of recorded test files."""
    return DATA


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")

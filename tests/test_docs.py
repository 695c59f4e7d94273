"""The Python examples in README.md run as written, from the project's root folder."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_readme_has_examples():
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_readme_example_runs(number, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    exec(compile(BLOCKS[number], f"README.md example {number + 1}", "exec"), {})


def test_readme_states_what_its_example_prints(monkeypatch, capsys):
    # "This prints 2021 turnover of 57.13 million USD, +94.9% on 2020".
    (block,) = [b for b in BLOCKS if "yoy(" in b]
    monkeypatch.chdir(ROOT)
    exec(compile(block, "README.md", "exec"), {})
    line = next(x for x in capsys.readouterr().out.splitlines() if x.split()[1:2] == ["2021"])
    assert "5.713046e+07" in line and "0.949359" in line
    assert "57.13 million USD, +94.9%" in (ROOT / "README.md").read_text()

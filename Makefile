# kztrade: two commands do everything on a fresh machine with Python >= 3.10 and make.
#   make report   set up .venv and run the default Kazakhstan-Mongolia report
#   make test     set up .venv and run the whole test suite (lint, doctests, notebooks)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.kztrade-installed
OUT    ?= reports

.PHONY: setup report test lab bench bench-bulk data clean help

help:
	@echo "make report  - set up and run the default report (Kazakhstan-Mongolia) into $(OUT)/"
	@echo "make test    - set up and run the whole test suite"
	@echo "make lab     - JupyterLab on notebooks/ with kztrade's kernel"
	@echo "make bench   - print the speed and accuracy benchmarks"
	@echo "make bench-bulk - time and memory of reading a 5-million-row UN Comtrade bulk file"
	@echo "make data    - rebuild data/ from the raw public files in ../shared/data"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP)

report: $(STAMP)
	$(BIN)/kztrade report --out $(OUT)

# One BLAS thread per process: statsmodels' small fits get slower, not faster, with more
# threads, and pytest already runs one worker per core.
test: export OPENBLAS_NUM_THREADS ?= 1
test: export OMP_NUM_THREADS ?= 1
test: export MKL_NUM_THREADS ?= 1
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# Arrow's system allocator: bulk Comtrade reads hand freed memory back (docs/bulk.md).
lab: export ARROW_DEFAULT_MEMORY_POOL ?= system
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/report_speed.py

bench-bulk: $(STAMP)
	$(BIN)/python benchmarks/bulk_ingest.py --repeat 2

data: $(STAMP)
	$(BIN)/python scripts/build_data.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache

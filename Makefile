# Two commands for a newcomer on a fresh machine (Python 3.11+, make):
#   make demo   - create .venv, generate the demo council, run the full monthly refresh
#   make test   - create .venv and run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test test-all bench docs dev clean

# uv installs the same versions as pip in ~20 s instead of ~95 s (measured on a fresh venv on the
# 2-core build machine); pip does it when uv cannot be installed or fails.
# Both write the packages' bytecode at install (~20 s): where PYTHONDONTWRITEBYTECODE is set (this
# build machine sets it) Python never caches it, and every process compiled every module it
# imported from source again: `import great_expectations` 10.5 s -> 5.1 s, the pipeline's
# definitions 17.9 s -> 8.7 s (measured 2026-12-02), paid by each refresh, worker and dbt process.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	( $(BIN)/pip install --quiet uv \
	    && $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[test]' ) \
	  || ( $(BIN)/pip install --quiet --upgrade pip && $(BIN)/pip install --quiet -e '.[test]' )
	$(BIN)/python -m compileall -q -j 0 orchestration sources >/dev/null
	touch $@

# 13 months (a whole financial year, 2023/24, and the month before it, so the annual tables have a
# final year and the 12-month KPIs a full window): 35% less CPU than 36 months (~5 min on a fresh
# clone of the shared 2-core machine, install included, against ~10; docs/BENCHMARKS.md);
# `make demo DEMO_MONTHS=36` (or `ascw demo`, 36 by default) gives three financial years.
DEMO_MONTHS ?= 13

demo: $(BIN)/.installed
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/ascw demo --months $(DEMO_MONTHS)

# Two workers (one per core); a test module stays on one worker so its fixtures are built once,
# and the modules are handed out in the order tests/conftest.py gives them (LONGEST_FIRST).
test: $(BIN)/.installed
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/pytest -q -n 2 --dist loadfile --no-loadscope-reorder -m "not extended"

# Also the tests marked `extended` (~1 minute more): second checks of what other tests cover.
test-all: $(BIN)/.installed
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/pytest -q -n 2 --dist loadfile --no-loadscope-reorder

bench: $(BIN)/.installed
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python bench/benchmark.py

docs: $(BIN)/.installed
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/ascw docs

# The Dagster UI with its daemon (the schedule, the sensor, the run queue) on the warehouse's own
# instance, warehouse/dagster/, where `ascw` records its runs (`ascw ui`).
dev: $(BIN)/.installed
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/ascw ui

clean:
	rm -rf warehouse landing exports/20?? dbt_project/target dbt_project/logs

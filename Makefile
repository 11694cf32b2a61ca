# Two commands for a newcomer on a fresh machine (Python 3.11+, make):
#   make demo   - create .venv, generate the demo council, run the full monthly refresh
#   make test   - create .venv and run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test test-all bench docs dev clean

# uv installs the same versions as pip in ~5 s instead of ~95 s (measured on a fresh venv on the
# 2-core build machine); pip does it when uv cannot be installed or fails. The venv is made without
# pip (ensurepip alone took 8 s) and uv is installed into it by the system's pip (`pip --python`,
# pip >= 22.3); without a system pip, the venv gets its own and installs uv itself.
# No bytecode is compiled at install: compiling every installed package took 26 s (45 CPU-s) of a
# fresh clone's `make demo`, for ~10,000 modules of which a refresh imports ~4,000. Instead the
# targets below run Python with PYTHONDONTWRITEBYTECODE empty, so that where the machine sets it
# (this build machine does) the modules a run imports are still cached on first import and every
# later process (dbt, pytest's workers) loads them compiled: `import great_expectations` from
# source every time cost 10.5 s against 5.1 s (2026-12-02). docs/BENCHMARKS.md, 2026-12-08.
PY_ENV := PYTHONDONTWRITEBYTECODE= PATH="$(abspath $(BIN)):$$PATH"

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip --python $(BIN)/python install --quiet uv 2>/dev/null \
	  || ( $(BIN)/python -m ensurepip --default-pip >/dev/null && $(BIN)/python -m pip install --quiet uv ) || true
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[test]' \
	  || ( $(BIN)/python -m ensurepip --default-pip >/dev/null && $(BIN)/python -m pip install --quiet -e '.[test]' )
	touch $@

# 13 months (a whole financial year, 2023/24, and the month before it, so the annual tables have a
# final year and the 12-month KPIs a full window): 35% less CPU than 36 months; 2 min 20 s on a
# fresh clone of the 2-core build machine, install included (docs/BENCHMARKS.md, 2026-12-08);
# `make demo DEMO_MONTHS=36` (or `ascw demo`, 36 by default) gives three financial years.
DEMO_MONTHS ?= 13

demo: $(BIN)/.installed
	$(PY_ENV) $(BIN)/ascw demo --months $(DEMO_MONTHS)

# Two workers (one per core); a test module stays on one worker so its fixtures are built once,
# and the modules are handed out in the order tests/conftest.py gives them (LONGEST_FIRST).
test: $(BIN)/.installed
	$(PY_ENV) $(BIN)/pytest -q -n 2 --dist loadfile --no-loadscope-reorder -m "not extended"

# Also the tests marked `extended` (~1 minute more): second checks of what other tests cover.
test-all: $(BIN)/.installed
	$(PY_ENV) $(BIN)/pytest -q -n 2 --dist loadfile --no-loadscope-reorder

bench: $(BIN)/.installed
	$(PY_ENV) $(BIN)/python bench/benchmark.py

docs: $(BIN)/.installed
	$(PY_ENV) $(BIN)/ascw docs

# The Dagster UI with its daemon (the schedule, the sensor, the run queue) on the warehouse's own
# instance, warehouse/dagster/, where `ascw` records its runs (`ascw ui`).
dev: $(BIN)/.installed
	$(PY_ENV) $(BIN)/ascw ui

clean:
	rm -rf warehouse landing exports/20?? dbt_project/target dbt_project/logs

# Two commands for a newcomer: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export PREFECT_HOME ?= $(CURDIR)/.prefect

.PHONY: install system-deps run test test-fast bench clean

# pip's own output says what it is installing; the first install takes a few minutes.
$(STAMP): pyproject.toml constraints.txt
	@echo "== make: creating the virtual environment $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	@echo "== make: upgrading pip"
	$(BIN)/pip install --progress-bar off --upgrade pip
	@echo "== make: installing gongkai with the test and ocr extras, pinned by constraints.txt ($$(grep -c '==' constraints.txt) packages; a few minutes the first time)"
	$(BIN)/pip install --progress-bar off -c constraints.txt -e '.[test,ocr]'
	touch $(STAMP)
	@echo "== make: installed; $(VENV) is ready"

install: $(STAMP)

system-deps:
	bash scripts/install-system-deps.sh

run: install
	$(BIN)/gongkai nightly
	@echo "warehouse: data/warehouse.duckdb   CSV summaries: data/exports/<province>/<year>/"
	@$(BIN)/python -m warehouse.export --where data/exports

# The full suite (what CI runs): one line per test file with its progress, and the 20 slowest tests.
test: install
	-@$(MAKE) --no-print-directory system-deps || echo "warning: system packages (LibreOffice, CJK fonts) not installed; their tests will be skipped"
	$(BIN)/python -m pytest --durations=20

# For development: everything but the tests marked slow (Prefect server, LibreOffice, big corpora).
test-fast: install
	$(BIN)/python -m pytest -m "not slow" --durations=10

# Bytecode first, as an installed package has it: this machine may set PYTHONDONTWRITEBYTECODE, and the
# fixed-cost figures would otherwise include compiling the project's modules in every process.
bench: install
	$(BIN)/python -m compileall -q gongkai extractors transforms warehouse flows
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/splitter.py

clean:
	rm -rf $(VENV) data/warehouse.duckdb* data/exports data/raw .prefect

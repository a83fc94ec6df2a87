# Two commands for a newcomer: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export PREFECT_HOME ?= $(CURDIR)/.prefect

.PHONY: install system-deps run test bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,ocr]'
	touch $(STAMP)

install: $(STAMP)

system-deps:
	bash scripts/install-system-deps.sh

run: install
	$(BIN)/gongkai nightly
	@echo "warehouse: data/warehouse.duckdb   CSV summaries: data/exports/"

test: install
	-@$(MAKE) --no-print-directory system-deps || echo "warning: system packages (LibreOffice, CJK fonts) not installed; their tests will be skipped"
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) data/warehouse.duckdb* data/exports data/raw .prefect

# The two commands of the README. `make install` is the installing part of both.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint typecheck unit bench schema clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/shomik serve --host 127.0.0.1 --port 8000 --data-dir ./data

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -q -ra

test: lint typecheck unit

schema: install
	$(BIN)/shomik schema --out schema

bench: install
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) build .mypy_cache .ruff_cache .pytest_cache

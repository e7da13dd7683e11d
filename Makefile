# coopmatch — the two quickstart commands are `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: demo test lint typecheck contracts unit bench bench-smoke clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/coopmatch match liquidity scenarios/examples/lamphun-liquidity.json --out .demo/liquidity-result.json

lint: $(STAMP)
	$(BIN)/ruff check matcher api scenarios benchmarks tests
	$(BIN)/ruff format --check matcher api scenarios benchmarks tests

typecheck: $(STAMP)
	$(BIN)/mypy matcher api scenarios

contracts: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest -q --doctest-modules matcher tests

bench-smoke: $(STAMP)
	$(BIN)/pytest -q benchmarks --benchmark-disable

test: lint typecheck contracts unit bench-smoke

bench: $(STAMP)
	$(BIN)/pytest benchmarks --benchmark-only --benchmark-json=.benchmarks/latest.json

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache

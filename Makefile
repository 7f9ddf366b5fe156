# The commands a newcomer runs: `make run` serves the app, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint unit integration e2e bench fuzz clean

$(STAMP): pyproject.toml simulator/pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ./simulator -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/checkout serve --host $${HOST:-127.0.0.1} --port $${PORT:-8000}

lint: $(STAMP)
	$(BIN)/ruff check src tests bench simulator
	$(BIN)/ruff format --check src tests bench simulator
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

integration: $(STAMP)
	$(BIN)/pytest -q tests/integration

e2e: $(STAMP)
	$(BIN)/pytest -q tests/e2e

bench: $(STAMP)
	$(BIN)/python bench/http_webhooks.py $(BENCH_ARGS)

fuzz: $(STAMP)
	$(BIN)/python tests/integration/fuzz/fuzz_api.py $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts

# kling-mock entry points. `make serve` and `make test` are all a new user needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
ARGS   ?=

.PHONY: help install serve test lint typecheck unit contract contract-url clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's metadata changes.
$(VENV)/.installed-runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed-runtime

install: $(VENV)/.installed-runtime  ## Create .venv and install the fake

serve: $(VENV)/.installed-runtime  ## Run the fake on $(HOST):$(PORT) (extra options: ARGS="--speed 10")
	$(BIN)/kling-mock serve --host $(HOST) --port $(PORT) $(ARGS)

lint: $(VENV)/.installed-test  ## ruff
	$(BIN)/ruff check mock_server contract_tests tests

typecheck: $(VENV)/.installed-test  ## mypy --strict on mock_server
	$(BIN)/mypy

unit: $(VENV)/.installed-test  ## The pytest suite only
	$(BIN)/python -m pytest $(ARGS)

contract: $(VENV)/.installed-test  ## Contract suite against the in-process fake (ARGS: pytest args)
	@mkdir -p reports
	$(BIN)/kling-mock contract --junitxml=reports/contract-in-process.xml $(ARGS)

contract-url: $(VENV)/.installed-test  ## Contract suite against a spawned `kling-mock serve` over HTTP
	@mkdir -p reports
	$(BIN)/kling-mock contract --spawn --junitxml=reports/contract-url.xml $(ARGS)

test: lint typecheck unit contract contract-url  ## Everything CI runs: lint, types, tests, contract suites

clean:  ## Remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis

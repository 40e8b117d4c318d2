# kling-mock entry points. `make serve` and `make test` are all a new user needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# HOST and PORT are passed only when given (make serve PORT=9000), so the environment
# (KLING_MOCK_HOST, KLING_MOCK_PORT) is honoured otherwise; the fake's defaults are
# 127.0.0.1:8000.
HOST   ?=
PORT   ?=
ARGS   ?=
SERVE_FLAGS := $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

.PHONY: help install serve test test-all lint typecheck unit contract contract-url wheel clean \
        bench bench-quick bench-tools

help:  ## List the targets (this text)
	@echo "kling-mock: an offline fake of the Kling AI API. Targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'
	@echo "Variables: HOST, PORT (serve), ARGS (extra options for serve, unit, contract, bench),"
	@echo "           PYTHON (interpreter that creates .venv, default python3)."

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's metadata changes.
# The runtime plus the `tls` extra, so `make serve ARGS=--tls` works out of the box.
$(VENV)/.installed-runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[tls]'
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed-runtime

install: $(VENV)/.installed-runtime  ## Create .venv and install the fake (runtime only)

serve: $(VENV)/.installed-runtime  ## Run the fake on 127.0.0.1:8000 (HOST=, PORT=, ARGS="--speed 10")
	@exec $(BIN)/kling-mock serve $(SERVE_FLAGS) $(ARGS)

lint: $(VENV)/.installed-test  ## ruff over the code and the tests
	$(BIN)/ruff check mock_server contract_tests tests bench

typecheck: $(VENV)/.installed-test  ## mypy --strict over mock_server and contract_tests
	$(BIN)/mypy

unit: $(VENV)/.installed-test  ## The pytest suite only (ARGS: pytest arguments)
	$(BIN)/python -m pytest $(ARGS)

contract: $(VENV)/.installed-test  ## Contract suite against the in-process fake (ARGS: pytest args)
	@mkdir -p reports
	$(BIN)/kling-mock contract --kling-expect-callbacks --junitxml=reports/contract-in-process.xml $(ARGS)

contract-url: $(VENV)/.installed-test  ## Contract suite (smoke profile) against a spawned `kling-mock serve`
	@mkdir -p reports
	$(BIN)/kling-mock contract --spawn --kling-profile=smoke --kling-expect-callbacks --junitxml=reports/contract-url.xml $(ARGS)

wheel: $(VENV)/.installed-test  ## Build the sdist and wheel into dist/
	$(BIN)/python -m build --outdir dist

test: lint typecheck unit contract contract-url  ## Everything CI runs: lint, types, tests, contract suites

test-all: test  ## `make test` plus the long fuzz run (KLING_FUZZ_EXAMPLES=5000)
	KLING_FUZZ_EXAMPLES=5000 $(BIN)/python -m pytest tests/http/test_fuzz.py

# Never part of `make test`: timings depend on the machine and on whatever else runs on it.
# Exit status 1 when a target is missed (ARGS=--no-fail: always 0). BENCHMARKS.md: the method.
bench: $(VENV)/.installed-runtime  ## Every issue-13 target, PASS/MISS (6-7 min; needs wrk)
	@$(BIN)/python bench/run.py $(ARGS)

bench-quick: $(VENV)/.installed-runtime  ## `make bench` in about a minute (shorter runs, 100k tasks)
	@$(BIN)/python bench/run.py --quick $(ARGS)

PRISM_VERSION ?= 5
bench-tools:  ## Install wrk and hey (apt-get) and Prism (npm, into bench/.tools) for make bench
	@if command -v wrk >/dev/null && command -v hey >/dev/null; then :; \
	 elif command -v apt-get >/dev/null; then apt-get install -y wrk hey; \
	 else echo "install wrk and hey with your package manager (macOS: brew install wrk hey)"; fi
	@command -v npm >/dev/null || { echo "npm not found: Prism is optional (make bench skips it)"; exit 1; }
	npm install --no-audit --no-fund --prefix bench/.tools @stoplight/prism-cli@$(PRISM_VERSION)

clean:  ## Remove the virtualenv, build output and caches
	rm -rf $(VENV) build dist reports .pytest_cache .ruff_cache .mypy_cache .hypothesis bench/.tools

# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv and install into it.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install --quiet --disable-pip-version-check
DEMO   ?= fixtures/domains/sales

.PHONY: demo test venv dev system-deps go-tools bench bench-soda-env clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(VENV)/bin/python pyproject.toml
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/bin/python pyproject.toml
	$(PIP) -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

dev: $(VENV)/.installed-dev

## make demo: install and check the sample `sales` domain repo (exit 1 = blocking findings, expected here)
demo: $(VENV)/.installed
	@$(VENV)/bin/meshgov check $(DEMO) --config $(DEMO)/meshgov.yaml; \
	  status=$$?; echo; echo "meshgov exited $$status (0 compliant, 1 blocking findings, 2 config error, 3 internal error)"; \
	  test $$status -le 1

## system packages the tests use for real: PostgreSQL, headless Chromium, a JVM for PySpark
system-deps:
	bash scripts/system-deps.sh

## Go tools built from their modules, pinned, cached in ~/.cache/meshgov/tools (the real OPA for the
## tests; conftest for the infra benchmark): scripts/go-tools.sh
go-tools:
	bash scripts/go-tools.sh opa

## make test: install what the tests need and run them
test: $(VENV)/.installed-dev system-deps go-tools
	PATH="$(CURDIR)/.tools/bin:$$PATH" $(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev
	bash scripts/go-tools.sh opa conftest
	PATH="$(CURDIR)/.tools/bin:$$PATH" $(PY) bench/run_all.py

## Soda Core for bench/data_files_bench.py --soda, in its own virtualenv (its pins never touch .venv)
bench-soda-env: .venv-soda/.installed

.venv-soda/.installed: bench/requirements-soda.txt
	$(PYTHON) -m venv .venv-soda
	.venv-soda/bin/python -m pip install --quiet --disable-pip-version-check -r bench/requirements-soda.txt
	touch $@

clean:
	rm -rf .venv-soda $(VENV) build dist .pytest_cache .hypothesis .tools

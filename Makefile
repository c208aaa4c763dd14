# The visitor desk. `make run` and `make test` are the two commands an operator needs; every
# other target is a step they take care of.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON311 ?= $(shell command -v python3.11 || command -v python3)
# Rasa 3.6 runs on Python <= 3.10: take python3.10 from PATH, else the newest pyenv 3.10.
PYTHON310 ?= $(shell command -v python3.10 2>/dev/null || ls -d $$(pyenv root 2>/dev/null)/versions/3.10*/bin/python3.10 2>/dev/null | sort -V | tail -n 1)

VENV := .venv
RASA_VENV := .venv-rasa
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RASA_STAMP := $(RASA_VENV)/.installed

.PHONY: help setup run test check lint format typecheck imports kb index unit bench bench-retrieval clean

help:
	@echo "make run    set up everything and start the visitor desk"
	@echo "make test   set up everything and run every check and test"
	@echo "make check  ruff, mypy, import-linter and the knowledge-base check"
	@echo "make bench  run the benchmarks and save their figures under benchmarks/results/"

# --- environments -------------------------------------------------------------------------
$(STAMP): pyproject.toml requirements/app.lock
	@test -n "$(PYTHON311)" || { echo "Python 3.11 not found"; exit 1; }
	test -x $(PY) || $(PYTHON311) -m venv $(VENV)
	# torch first and pinned: an unpinned torch would pull a multi-GB CUDA build.
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/app.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

setup: $(STAMP)

# --- quality gates ------------------------------------------------------------------------
lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

imports: $(STAMP)
	$(VENV)/bin/lint-imports

kb: $(STAMP)
	$(PY) -m index check

check: lint typecheck imports kb

# --- data ---------------------------------------------------------------------------------
index: $(STAMP)
	$(PY) -m index build

# --- tests --------------------------------------------------------------------------------
test: check index
	$(PY) -m pytest -q

bench: bench-retrieval

bench-retrieval: index
	$(PY) benchmarks/retrieval.py

run: index
	@echo "The gateway and dialogue services are not built yet; the index is ready in var/index."

clean:
	rm -rf var/index var/models

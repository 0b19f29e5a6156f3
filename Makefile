# Parta — build, run and test.
#   make run     the demo school on http://127.0.0.1:8000 (codes appear in the console)
#   make test    everything CI runs: SQLite, PostgreSQL + Redis, browser tests, mypy
#   make lint    ruff
# Details of each step live in scripts/; this file only wires them together.

SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.parta-installed

.DEFAULT_GOAL := help
.PHONY: help venv run test test-quick lint typecheck services-start services-stop bench

help:
	@echo "make run         start the demo on http://127.0.0.1:8000"
	@echo "make test        full suite: SQLite, PostgreSQL + Redis, e2e in Chromium, mypy"
	@echo "make test-quick  pytest on SQLite only, no browser (no system packages needed)"
	@echo "make lint        ruff check parta tests"
	@echo "make typecheck   mypy parta"

venv: $(STAMP)

# Re-installs only when the pins or the project metadata change.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@bash scripts/venv.sh
	@touch $@

run: venv
	@bash scripts/run.sh

test: venv
	@bash scripts/test.sh

test-quick: venv
	@env -u PARTA_TEST_DATABASE_URL -u PARTA_TEST_REDIS_URL $(PY) -m pytest -ra -m "not e2e" $(PYTEST_ARGS); \
	rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ]

lint: venv
	@$(PY) -m ruff check parta tests

typecheck: venv
	@$(PY) -m mypy parta

services-start:
	@bash scripts/test-services.sh start
	@bash scripts/test-services.sh env

services-stop:
	@bash scripts/test-services.sh stop

bench: venv
	@$(PY) bench/load.py $(BENCH_ARGS)

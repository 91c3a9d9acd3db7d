# Turnabout — `make` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV ?= .venv
BIN := $(VENV)/bin
# Django 6 needs Python 3.12+: take the first interpreter that qualifies.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 $$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null); do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo $$p; break; fi; done)
DEMO_ENV := TURNABOUT_DEMO=1
HOST ?= 127.0.0.1
PORT ?= 8000

# The catalogues (turnabout/locale/<locale>/LC_MESSAGES/django.po) of every language but English, whose text is the source.
LOCALES := es pt_BR fr de nl
# Only Turnabout's own source: not the tests, the front-end build, the virtualenv or local data.
MESSAGES_IGNORE := --ignore=.venv --ignore=frontend --ignore=node_modules --ignore=tests --ignore=var --ignore=bench --ignore=docs --ignore=turnabout/static \
	--ignore=turnabout/locale

.PHONY: help install assets migrate demo serve worker messages test lint typecheck pytest bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Turnabout needs Python 3.12 or newer (Django 6); none found on PATH." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed assets ## Create .venv and install Turnabout with its development tools

turnabout/static/dist/.built: frontend/package.json frontend/package-lock.json frontend/build.mjs
	cd frontend && npm ci --no-audit --no-fund --silent && npm run --silent build
	touch $@

assets: turnabout/static/dist/.built ## Build the front-end packages into turnabout/static/dist

migrate: install ## Apply database migrations
	$(DEMO_ENV) $(BIN)/python manage.py migrate --no-input

demo: migrate ## Load the demo organisation and serve it at http://127.0.0.1:8000 (with the task worker and scheduler)
	$(DEMO_ENV) $(BIN)/turnabout seed-demo --employees 2000 --seed 1
	$(DEMO_ENV) $(BIN)/turnabout seed-demo-programs --seed 1
	@$(MAKE) --no-print-directory serve

serve: migrate ## Serve the current database (demo mode) with `turnabout serve`: web, task worker and scheduler
	$(DEMO_ENV) $(BIN)/turnabout serve --bind $(HOST):$(PORT)

worker: install ## Run only the background task worker (emails, match runs)
	$(DEMO_ENV) $(BIN)/python manage.py worker

messages: install ## Refresh the translation catalogues (interface and content) from the source and compile them (needs GNU gettext)
	$(DEMO_ENV) $(BIN)/python manage.py makemessages $(addprefix -l ,$(LOCALES)) $(MESSAGES_IGNORE) --no-obsolete --add-location=file
	$(DEMO_ENV) $(BIN)/python -m turnabout.core.content turnabout/locale
	$(DEMO_ENV) $(BIN)/python manage.py compilemessages $(addprefix -l ,$(LOCALES)) $(MESSAGES_IGNORE)

lint: install ## ruff (lint and format check) and import-linter
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install ## mypy (strict for the engine)
	$(BIN)/mypy turnabout

pytest: install ## The test suite only, with line coverage (fails below the ratchet in pyproject.toml, [tool.coverage.report])
	$(BIN)/pytest -q -n 2 --cov --cov-report=

test: lint typecheck pytest ## Everything CI checks: lint, types, the whole test suite

bench: install ## Benchmarks under bench/ (print their figures)
	$(BIN)/python bench/import_people.py
	$(BIN)/python bench/matching.py
	$(BIN)/python bench/engine_vs_scipy.py
	$(BIN)/python bench/match_run.py
	$(BIN)/python bench/insights.py
	$(BIN)/python bench/people_search.py
	$(BIN)/python bench/load.py

clean: ## Remove the virtualenv, built assets and local data
	rm -rf $(VENV) turnabout/static/dist frontend/node_modules var

# DG Network. On a fresh machine (Python 3.11, make):
#   make demo   installs into .venv, migrates, loads the demo network and serves it on http://127.0.0.1:8000
#   make test   installs the test tools and runs the whole test suite
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
ADDR ?= 127.0.0.1:8000

.PHONY: demo test install install-dev serve messages lint bench screenshots

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements-previous.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	ADDR=$(ADDR) scripts/serve

test: install-dev
	scripts/test

serve: install
	ADDR=$(ADDR) scripts/serve

# Refresh the catalogues after changing marked strings; then translate the new entries and commit .po and .mo.
messages: install-dev
	$(PY) manage.py makemessages --all --no-obsolete --ignore='.venv/*' --ignore='tests/*' --ignore='bench/*'
	$(PY) manage.py compilemessages --ignore='.venv/*'

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/bandit -q -c pyproject.toml -r members meetings knowledge decisions alerts questionnaires logistics portal outbox network

# Every benchmark (search, sending the invitations, pages under load, query budgets) with a summary against the
# targets; needs PostgreSQL and Redis on 127.0.0.1 and runs for a while. Results: bench/results/*.json;
# figures and how they are measured: docs/performance.md.
bench: install-dev
	$(PY) bench/run.py

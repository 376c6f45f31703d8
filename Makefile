# Regie: two commands on a fresh machine, `make run` and `make test`. Both install what is missing first
# (a virtual environment with the pinned wheels, Debian's libpq-dev for the psycopg2 build Barman needs, Debian's
# chromium for the browser tests, Debian's clamav-daemon for the upload scanner and stunnel4 for the test of it over
# TLS; the Keycloak distribution comes from Maven Central on first start, cached in
# ~/.cache/regie) and are safe to run twice.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: help install run stop status migrate test lint bench clean

help:
	@echo "make run      the whole platform on this machine, with demo data (prints the URLs and logins)"
	@echo "make stop     stop what make run started"
	@echo "make test     lint (ruff), types (mypy) and the whole test suite on real components (its own ports and data)"
	@echo "make lint     ruff and mypy only"
	@echo "make migrate  apply database migrations of the running platform"
	@echo "make status   what is running"
	@echo "make bench    the benchmarks (ranking; submissions at the deadline; the yearly report; the catalogue at 50,000; foodsavers sync and dashboard)"

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed"; exit 1; }
	@command -v pg_config >/dev/null || { \
	  echo "installing Debian's libpq-dev (psycopg2, Barman's driver, builds against it)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpq-dev gcc >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[stack,test]'
	@touch $(STAMP)

install: $(STAMP) chromium axe clamd stunnel

# The accessibility checks inject axe-core (from the npm registry) into the pages: cached outside the repo.
AXE_VERSION := 4.14.1
AXE_DIR := $(HOME)/.cache/regie/axe-core-$(AXE_VERSION)
.PHONY: axe
axe:
	@test -f $(AXE_DIR)/node_modules/axe-core/axe.min.js || { \
	  command -v npm >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }; \
	  npm install --silent --no-audit --no-fund --prefix $(AXE_DIR) axe-core@$(AXE_VERSION) >/dev/null; }

# Browser tests drive Debian's chromium (Playwright's own browser download does not work here).
.PHONY: chromium
chromium:
	@command -v chromium >/dev/null || { \
	  echo "installing Debian's chromium"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Uploads are scanned by ClamAV's daemon, which devstack starts with the project's own small signature file
# (devstack/clamav/): Debian's clamav-daemon, its service left stopped (devstack runs its own clamd).
.PHONY: clamd
clamd:
	@command -v clamd >/dev/null || test -x /usr/sbin/clamd || { \
	  echo "installing Debian's clamav-daemon"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clamav-daemon >/dev/null; }

# On Kubernetes clamd is reached over TLS through a terminator in its pod (deploy/k8s/base/clamav.yaml); the test of
# the scanner client over TLS puts Debian's stunnel in front of the test stack's clamd the same way.
.PHONY: stunnel
stunnel:
	@command -v stunnel >/dev/null || command -v stunnel4 >/dev/null || { \
	  echo "installing Debian's stunnel4"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends stunnel4 >/dev/null; }

run: $(STAMP) clamd
	$(PY) -m devstack run --profile run

stop: $(STAMP)
	$(PY) -m devstack down --profile run

status: $(STAMP)
	$(PY) -m devstack status --profile run

migrate: $(STAMP)
	$(PY) -m devstack migrate --profile run

# Lint and types first: a few seconds, and they fail the run like a failing test.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: install lint
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m bench

clean: stop
	rm -rf .stack

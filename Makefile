# eventapp — `make run` sets everything up and serves; `make test` runs the whole suite.
#
# Every configuration variable of config.py can be given in the environment or on the
# command line, e.g. `PORT=8080 make run` or `make run MAIL_SERVER=smtp.example.org`.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
export PORT
#: The PostgreSQL run of `make test` (created when missing).
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
#: The browser tests (tests/browser) drive this Chromium.
CHROMIUM := /usr/bin/chromium
#: Extra pytest arguments, e.g. `make test PYTEST_ARGS="-k registration -x"`.
PYTEST_ARGS ?=
#: Extra arguments of bench/run.py, e.g. `make bench BENCH_ARGS="--database postgresql+psycopg://…/bench"`.
BENCH_ARGS ?=

.PHONY: help run test bench lint fmt install install-dev translations messages clean

help:
	@echo "make run    set everything up (virtualenv, translations, database, signing key, demo data)"
	echo "           and serve on http://$(HOST):$(PORT) with the mail worker beside it (Ctrl-C stops both)"
	echo "make test   lint, then the test suite on SQLite and on PostgreSQL ($(PG_TEST_URL))"
	echo "make bench  benchmark cases against same-run baselines (bench/; fails over a ceiling)"
	echo "make lint   ruff check and ruff format --check"
	echo "make fmt    ruff check --fix and ruff format"
	echo "make messages  extract messages into the German catalog (eventapp/translations/de)"
	echo "make clean  remove the virtualenv, caches and compiled translations (keeps instance/)"

# --- setup (re-installs only when a requirements file changed) ----------------------------------

$(VENV)/.installed-runtime: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/.installed-runtime
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed-runtime
install-dev: $(VENV)/.installed-dev

# Compiled catalogs (.mo) are not committed: run and test build them.
translations: install
	@if compgen -G "eventapp/translations/*/LC_MESSAGES/messages.po" > /dev/null; then
		$(BIN)/pybabel -q compile -d eventapp/translations
	fi

# Extract messages and merge them into the German catalog (then translate the new entries;
# tests/test_translations.py fails while any is missing).
messages: install
	@$(BIN)/pybabel -q extract -F babel.cfg -k _l --ignore-dirs ".* __pycache__" -o eventapp/translations/messages.pot .
	$(BIN)/pybabel -q update -i eventapp/translations/messages.pot -d eventapp/translations -l de --no-fuzzy-matching
	rm eventapp/translations/messages.pot

# --- run -----------------------------------------------------------------------------------------

run: install translations
	@$(FLASK) db upgrade
	$(FLASK) create-signing-key
	$(FLASK) demo-data
	$(FLASK) worker &
	worker=$$!
	trap 'kill $$worker 2>/dev/null || true; wait $$worker 2>/dev/null || true' EXIT INT TERM
	echo "eventapp: http://$(HOST):$(PORT)/ (mails are printed here and kept in instance/mail/; Ctrl-C stops)"
	$(FLASK) run --host $(HOST) --port $(PORT)

# --- quality -------------------------------------------------------------------------------------

lint: install-dev
	@$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install-dev
	@$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# SQLite always; PostgreSQL when reachable (required with CI=true); browser tests need
# Chromium (required with CI=true). The summary lines of every run are repeated at the end.
test: install-dev translations lint
	@ci=$$( [ "$${CI:-}" = true ] && echo yes || echo no )
	logs=$$(mktemp -d)
	trap 'rm -rf "$$logs"' EXIT
	notes=()
	failed=0
	if [ ! -x "$(CHROMIUM)" ]; then
		if [ $$ci = yes ]; then echo "FAILED: Chromium missing at $(CHROMIUM) (required with CI=true)"; exit 1; fi
		notes+=("SKIPPED: browser tests (no Chromium at $(CHROMIUM))")
	fi
	if pg_where=$$($(BIN)/python tests/ensure_postgres.py "$(PG_TEST_URL)"); then pg=yes; else pg=no; fi
	if [ $$pg = no ] && [ $$ci = yes ]; then
		echo "FAILED: PostgreSQL suite required with CI=true (no server at $$pg_where)"; exit 1
	fi
	echo "=== pytest on SQLite ==="
	if ! env -u TEST_DATABASE_URL $(BIN)/pytest -q $(PYTEST_ARGS) 2>&1 | tee "$$logs/sqlite"; then failed=1; fi
	if [ $$pg = yes ]; then
		echo "=== pytest on PostgreSQL ($(PG_TEST_URL)) ==="
		if ! TEST_DATABASE_URL="$(PG_TEST_URL)" $(BIN)/pytest -q $(PYTEST_ARGS) 2>&1 | tee "$$logs/postgresql"; then
			failed=1
		fi
	else
		notes+=("SKIPPED: PostgreSQL suite (no server at $$pg_where)")
	fi
	summary() { grep -E "[0-9]+ (passed|failed|errors?|skipped)|no tests ran" "$$1" | tail -n 1 || tail -n 1 "$$1"; }
	echo "=== summary ==="
	echo "SQLite:     $$(summary "$$logs/sqlite")"
	if [ $$pg = yes ]; then echo "PostgreSQL: $$(summary "$$logs/postgresql")"; fi
	for note in "$${notes[@]}"; do echo "$$note"; done
	exit $$failed

# Not part of `make test`: timings are judged here, as ratios to baselines of the same run.
bench: install-dev
	@$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -not -path "./$(VENV)/*" -exec rm -rf {} +
	find eventapp/translations -name "*.mo" -delete

# The few commands people type. Everything installs itself first (idempotent).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
VENDOR := kasse/static/vendor

.PHONY: install demo test test-fast test-postgres lint bench clean messages

# The Python packages are installed by uv (docs/architecture.md, "Dependencies"): on this 2-core machine pip took
# 76 s for them and uv 20 s with an empty cache, 8 CPU s instead of 39. pip (in the venv) installs uv first.
$(STAMP): pyproject.toml package.json package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	npm ci --no-audit --no-fund --silent
	@touch $(STAMP)

$(VENDOR)/htmx.min.js: package-lock.json
	@mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js

# Chart.js for the reports' charts (docs/architecture.md: why this library).
$(VENDOR)/chart.umd.min.js: package-lock.json
	@mkdir -p $(VENDOR)
	cp node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/chart.umd.min.js

install: $(STAMP) $(VENDOR)/htmx.min.js $(VENDOR)/chart.umd.min.js messages

messages: $(STAMP)
	@$(BIN)/kasse compilemessages --ignore '.venv/*' --ignore 'node_modules/*' >/dev/null

demo: install
	$(BIN)/kasse demo

# Tiers and how CI covers SQLite and PostgreSQL: docs/testing.md.
# SQLite by default; set TEST_DATABASE_URL=postgres://... to run on PostgreSQL. One xdist worker per core.
KASSE_TEST_WORKERS ?= auto
export KASSE_TEST_WORKERS
FAST := not processes and not browser and not benchmark

# Everything: unit, integration, browser, real processes, benchmark smoke runs. SELECT narrows it with -m
# (CI's PostgreSQL run: SELECT="not no_database", docs/testing.md).
SELECT ?=
test: install
	bash scripts/run-tests.sh $(if $(SELECT),-m "$(SELECT)")

# Everything except real processes, Chromium and benchmarks: the command to run all day. With twice as many
# workers as cores unless KASSE_TEST_WORKERS is set: these tests wait (sockets, a silent terminal's timeout,
# a child process) for about a third of their time, and two workers per core fill those waits (quiet 2-core
# machine: 131 s with 2 workers, 96 s with 4, 101 s with 6; docs/testing.md).
ifeq ($(origin KASSE_TEST_WORKERS),file)
FAST_WORKERS := $(shell echo $$(( $$(nproc) * 2 )))
else
FAST_WORKERS := $(KASSE_TEST_WORKERS)
endif
test-fast: install
	KASSE_TEST_WORKERS=$(FAST_WORKERS) bash scripts/run-tests.sh -m "$(FAST)"

test-postgres: install
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} bash scripts/run-tests.sh

# The pre-commit hooks on every file: ruff, mypy, makemigrations --check, module size (.pre-commit-config.yaml).
lint: install
	$(BIN)/pre-commit run --all-files

bench: install
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var .pytest_cache .mypy_cache .ruff_cache

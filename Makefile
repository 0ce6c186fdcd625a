# OneTrip: `make demo` serves the sample district; `make test` runs every test.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
VENV := .venv
PY := $(VENV)/bin/python
PG_URL = $(shell scripts/pg.sh url)

.PHONY: env demo serve test test-sqlite test-postgres lint messages pg system-deps bench clean axe uplot deploy-deps deploy-smoke schemathesis

$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv
	uv sync --frozen --quiet
	@touch $@

env: $(VENV)/.synced

messages: env
	@if command -v msgfmt >/dev/null 2>&1 && [ -f src/onetrip/locale/en/LC_MESSAGES/django.po ]; then cd src/onetrip && DJANGO_SETTINGS_MODULE=onetrip.settings ../../$(PY) -m django compilemessages -v 0; fi

demo: env messages
	ONETRIP_DEMO=1 $(VENV)/bin/onetrip demo

serve: env messages
	$(VENV)/bin/onetrip serve

system-deps:
	@scripts/system-deps.sh

pg: system-deps
	@scripts/pg.sh start >/dev/null

lint: env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

test: lint messages pg
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: env
	@echo "=== test suite on SQLite ==="
	DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 $(VENV)/bin/pytest -q $(PYTEST_ARGS)

test-postgres: env pg
	@echo "=== test suite on PostgreSQL ==="
	DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -q $(PYTEST_ARGS)

bench: env pg
	for b in bench/*_bench.py; do DATABASE_URL=$(PG_URL) $(PY) $$b || exit 1; done

# The production layout on this machine (docs/deploy.md): HAProxy, two app servers, PgBouncer,
# PostgreSQL primary + streaming replica; tickets through the proxy while an app server is
# killed, the dashboard from the replica, then the restore drill; everything torn down after.
# Not part of `make test` (it takes minutes); installs HAProxy and PgBouncer when missing.
deploy-deps:
	@scripts/system-deps.sh deploy

deploy-smoke: env messages deploy-deps
	deploy/local-up.sh smoke
# Schemathesis over the whole API, anonymously and with a staff token, against a fresh SQLite
# database with the bad-input suite's data (EXAMPLES per operation, default 30); the result of
# the last full run is recorded in docs/schemathesis.md.
schemathesis: env
	scripts/schemathesis.sh

clean:
	rm -rf $(VENV) var

# axe-core for the accessibility tests, vendored from the npm registry (no CDN):
# tests/e2e/vendor/axe.min.js. Re-run to update; commit the file.
AXE_VERSION ?= 4.14.1
axe:
	cd $$(mktemp -d) && npm pack --silent axe-core@$(AXE_VERSION) && tar xzf axe-core-$(AXE_VERSION).tgz \
	  && cp package/axe.min.js $(CURDIR)/tests/e2e/vendor/axe.min.js \
	  && cp package/LICENSE $(CURDIR)/tests/e2e/vendor/axe-core.LICENSE

# uPlot (the dashboard's trend charts), vendored from the npm registry (no CDN):
# src/onetrip/metrics/static/metrics/vendor/. Re-run to update; commit the files.
UPLOT_VERSION ?= 1.6.32
UPLOT_DIR := src/onetrip/metrics/static/metrics/vendor
uplot:
	mkdir -p $(UPLOT_DIR) && cd $$(mktemp -d) && npm pack --silent uplot@$(UPLOT_VERSION) \
	  && tar xzf uplot-$(UPLOT_VERSION).tgz \
	  && cp package/dist/uPlot.iife.min.js package/dist/uPlot.min.css $(CURDIR)/$(UPLOT_DIR)/ \
	  && cp package/LICENSE $(CURDIR)/$(UPLOT_DIR)/uPlot.LICENSE

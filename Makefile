# Clusterhub: `make run` serves the app, `make test` runs the suite.
# Both create .venv with Python 3.11 and install what they need.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PORT   ?= 8000
HOST   ?= 127.0.0.1
# Daphne refuses WebSocket messages over 1 MiB by default; plans sync bigger
# ones (YJS_MAX_MESSAGE_BYTES, 8 MiB by default, is enforced by the consumer).
MAX_WS ?= 8388608
DAPHNE_FLAGS ?= --websocket-max-message-size $(MAX_WS) --websocket-max-frame-size $(MAX_WS)

.DEFAULT_GOAL := help
.PHONY: help run test check lint types imports templates migrations-check deploy-check check-bundle format migrate seed frontend bench bench-chaos clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed ## Install, migrate, load demo data, serve on http://127.0.0.1:8000 with Daphne (PORT=... to change)
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --no-input
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	DEBUG=$${DEBUG:-true} $(PY) -m hub.core.serve -b $(HOST) -p $(PORT) $(DAPHNE_FLAGS) hub.asgi:application

# tests/realtime/test_stock_client.py runs the stock y-websocket client from
# Node with the frontend's locked packages: install them when npm is there
# (without Node the test skips, saying why; under CI it fails).
NODE_MODULES := $(if $(shell command -v npm 2>/dev/null),frontend/node_modules/.installed)

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: $(VENV)/.installed-dev $(NODE_MODULES) ## Install dev dependencies (and frontend/node_modules, with npm) and run the whole suite
	$(BIN)/pytest -q -p no:cacheprovider

check: lint types imports templates migrations-check deploy-check check-bundle ## Everything CI checks before the tests: lint, types, import layers, templates, migrations, deploy settings, JS bundle
	@echo "check: all green"

lint: $(VENV)/.installed-dev ## ruff lint and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(VENV)/.installed-dev ## mypy with django-stubs and djangorestframework-stubs over every app ([tool.mypy] in pyproject.toml)
	$(BIN)/mypy

imports: $(VENV)/.installed-dev ## The app layers: import-linter contract in .importlinter
	$(BIN)/lint-imports

# Every templates/ folder: the project's and each app's (hub/core's too).
TEMPLATE_DIRS = $(shell find . -path ./.venv -prune -o -path ./frontend -prune -o -path ./build -prune -o -type d -name templates -print | sort)

templates: $(VENV)/.installed-dev ## Template indentation check with djhtml (make format fixes it)
	$(BIN)/djhtml --check $(TEMPLATE_DIRS)

migrations-check: $(VENV)/.installed-dev ## Fails if a model change has no migration
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run

deploy-check: $(VENV)/.installed-dev ## manage.py check --deploy on production settings (DEBUG off, a real secret key)
	DEBUG=false ALLOWED_HOSTS=hub.example.org \
	  SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	  $(PY) manage.py check --deploy --fail-level WARNING

# The build is reproducible (same bytes from any folder, run after run), so the
# committed static/js must be exactly what frontend/ builds with the locked versions.
check-bundle: ## Rebuild the JS bundle from frontend/ in a temp folder and compare it byte for byte with static/js (needs Node.js and npm)
	@command -v npm >/dev/null 2>&1 || { echo "check-bundle: needs Node.js and npm (apt-get install nodejs npm)"; exit 1; }
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  cp -R frontend/package.json frontend/package-lock.json frontend/build.mjs frontend/src "$$tmp"/ && \
	  (cd "$$tmp" && npm ci --no-audit --no-fund --loglevel=error >/dev/null && BUNDLE_OUTDIR=out node build.mjs >/dev/null) && \
	  if diff -r "$$tmp/out" static/js >/dev/null; then echo "check-bundle: static/js matches a fresh build of frontend/"; \
	  else diff -rq "$$tmp/out" static/js; echo "check-bundle: static/js differs from a fresh build: run make frontend and commit static/js"; exit 1; fi

format: $(VENV)/.installed-dev ## Apply ruff's fixes and formatting, reindent templates with djhtml
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djhtml $(TEMPLATE_DIRS)

migrate: $(VENV)/.installed ## Apply database migrations
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --no-input

seed: $(VENV)/.installed ## Load the demo data (idempotent)
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo

bench: $(VENV)/.installed-dev ## Run the benchmarks (each prints its figures and the ratio to its reference)
	$(PY) bench/realtime_fanout.py
	$(PY) bench/catalog_import.py
	$(PY) bench/open_data_return.py
	$(PY) bench/dashboards.py

bench-chaos: $(VENV)/.installed-dev ## Kill -9 and SIGTERM Daphnes while clients type through two of them; prints edits seen / lost (issue 12)
	$(PY) bench/realtime_chaos.py

frontend: ## Rebuild static/js from frontend/ (needs Node.js and npm)
	cd frontend && npm ci --no-audit --no-fund && npm run build

clean: ## Remove the virtualenv and caches (keeps the database)
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

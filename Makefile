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
.PHONY: help run test check lint format migrate seed frontend bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

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
	DEBUG=$${DEBUG:-true} $(BIN)/daphne -b $(HOST) -p $(PORT) $(DAPHNE_FLAGS) hub.asgi:application

test: $(VENV)/.installed-dev ## Install dev dependencies and run the whole suite
	$(BIN)/pytest -q -p no:cacheprovider

check: $(VENV)/.installed-dev ## Lint, format check, migrations check, deploy check on production settings
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	DEBUG=false ALLOWED_HOSTS=hub.example.org \
	  SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	  $(PY) manage.py check --deploy --fail-level WARNING

format: $(VENV)/.installed-dev ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: $(VENV)/.installed ## Apply database migrations
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --no-input

seed: $(VENV)/.installed ## Load the demo data (idempotent)
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo

bench: $(VENV)/.installed-dev ## Run the benchmarks (each prints its figures and the ratio to its reference)
	$(PY) bench/realtime_fanout.py
	$(PY) bench/catalog_import.py
	$(PY) bench/open_data_return.py
	$(PY) bench/dashboards.py

frontend: ## Rebuild static/js from frontend/ (needs Node.js and npm)
	cd frontend && npm ci --no-audit --no-fund && npm run build

clean: ## Remove the virtualenv and caches (keeps the database)
	rm -rf $(VENV) .pytest_cache .ruff_cache

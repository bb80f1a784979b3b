# Escuela Ciudadana: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1
HOST ?= 127.0.0.1
PORT ?= 8000
# The site's public address (README, "Dirección pública del sitio"): certificate QR codes and email links point at
# it. By default the address `make run` serves on (127.0.0.1 when it listens on every interface); to open the site
# from another device, set it to this machine's address, e.g. PUBLIC_BASE_URL=http://192.168.1.20:8000.
PUBLIC_BASE_URL ?= http://$(if $(filter 0.0.0.0 :: [::],$(HOST)),127.0.0.1,$(HOST)):$(PORT)
export PUBLIC_BASE_URL
PYTEST_WORKERS ?= 2

.PHONY: run test deps dev-deps npm messages devkey migrate demo serve browser pdfsig haproxy check bench-% clean

run: deps npm messages devkey migrate demo serve  ## Set up (idempotent) and serve the demo site on http://127.0.0.1:8000

test: dev-deps npm messages browser pdfsig haproxy check  ## Install what the tests need and run the whole suite
	DJANGO_SETTINGS_MODULE=cms.settings.test $(BIN)/pytest -n $(PYTEST_WORKERS)

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found). Set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.deps: $(BIN)/python requirements.txt constraints.txt
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	@touch $@

$(VENV)/.dev-deps: $(VENV)/.deps requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	@touch $@

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

npm: node_modules/.installed

messages: deps  ## Compile translation catalogues (.po → .mo; the .mo files are not committed)
	$(BIN)/python manage.py compilemessages --verbosity 0 --ignore "$(VENV)" --ignore node_modules --ignore var

migrate: deps
	$(BIN)/python manage.py migrate --noinput

devkey: deps  ## Local keys: a self-signed certificate for certificate PDFs, Ed25519 keys for credentials (development only)
	$(BIN)/python manage.py certificates_dev_key
	$(BIN)/python manage.py certificates_credential_keys

demo: deps
	$(BIN)/python manage.py load_demo_data
	$(BIN)/python manage.py sync_roles
	$(BIN)/python manage.py certificates_credential_keys  # the demo issuer's credential key (README, "Credenciales Open Badges 3.0")
	$(BIN)/python manage.py sign_credentials  # credentials of certificates issued before their issuer had a key
	$(BIN)/python manage.py rerender_certificates --wrong-link  # the demo certificate follows PUBLIC_BASE_URL
	$(BIN)/python manage.py update_index --verbosity 0  # search fields added after a page was saved (README, "Búsqueda")

# The notifications scheduler (README, "Avisos por correo") runs beside the site, once a minute, so the demo sends
# session reminders; in development tasks run in-process (ImmediateBackend), so no db_worker is needed.
serve: deps
	$(BIN)/python manage.py notifications_tick --loop 60 & tick=$$!; trap 'kill $$tick 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

browser:  ## Debian's Chromium for the browser tests (Playwright cannot download its own browser here)
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "Installing Debian's chromium for the browser tests…"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

haproxy:  ## Debian's HAProxy: the two-server test puts two app servers behind it (tests/multiserver)
	@if [ ! -x /usr/sbin/haproxy ]; then \
		echo "Installing Debian's haproxy for the two-server test…"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq haproxy >/dev/null; \
	fi

pdfsig:  ## Poppler's pdfsig (Debian's poppler-utils): the tests check certificate signatures with it too, not only pyHanko
	@if [ ! -x /usr/bin/pdfsig ]; then \
		echo "Installing Debian's poppler-utils (pdfsig) for the certificate signature tests…"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq poppler-utils >/dev/null; \
	fi

check: dev-deps  ## Lint, and fail when a model change has no migration
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=cms.settings.test $(BIN)/python manage.py makemigrations --check --dry-run --noinput

bench-learners: dev-deps  ## needs PostgreSQL on 127.0.0.1 and wrk (installed from Debian if missing)
	@command -v wrk >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	DJANGO_SETTINGS_MODULE=cms.settings.test $(BIN)/python bench/learners.py

bench-pages-load: dev-deps  ## needs PostgreSQL and Redis on 127.0.0.1 and wrk (installed from Debian if missing)
	@command -v wrk >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	DJANGO_SETTINGS_MODULE=cms.settings.test $(BIN)/python bench/pages_load.py

bench-launch: dev-deps  ## needs PostgreSQL and Redis on 127.0.0.1; about 18 minutes (bench/launch.py)
	DJANGO_SETTINGS_MODULE=cms.settings.test $(BIN)/python bench/launch.py

bench-%: dev-deps
	DJANGO_SETTINGS_MODULE=cms.settings.test $(BIN)/python bench/$*.py

clean:
	rm -rf $(VENV) node_modules var db.sqlite3

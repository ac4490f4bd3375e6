# ar_collections — demo, tests and lint for an Odoo 18.0 addon.
# Odoo itself is a prerequisite (see README.md); nothing here installs it.

PYTHON ?= python3
DEMO_DB ?= ar_demo
TEST_DB ?= ar_test
HTTP_PORT ?= 8069
DB_HOST ?= $(PGHOST)
DB_PORT ?= $(PGPORT)
DB_USER ?= $(PGUSER)
# Languages loaded besides English (the default) into the demo and test databases.
LANGS ?= zh_CN
# Extra pytest arguments, e.g. PYTEST_ARGS="-k credit -x".
PYTEST_ARGS ?=
# Benchmark arguments, e.g. BENCH_ARGS="--quick".
BENCH_ARGS ?=
# OCA queue_job for Odoo 18.0, from PyPI.
QUEUE_JOB ?= odoo-addon-queue-job>=18.0,<18.1

ADDONS := ar_collections ar_collections_stock
# The queue_job bridge is tested too; the demo runs without queue_job's runner.
TEST_ADDONS := $(ADDONS) ar_collections_queue
ODOO := $(PYTHON) -m odoo
DB_ARGS := $(if $(DB_HOST),--db_host=$(DB_HOST)) $(if $(DB_PORT),--db_port=$(DB_PORT)) $(if $(DB_USER),--db_user=$(DB_USER))
# Odoo's own addons folders (source checkout or wheel), then this repository.
ODOO_ADDONS = $(shell $(PYTHON) -c "import os, odoo; p = os.path.dirname(odoo.__file__); print(','.join(d for d in (os.path.join(os.path.dirname(p), 'addons'), os.path.join(p, 'addons')) if os.path.isdir(d)))" 2>/dev/null)
ADDONS_PATH = $(CURDIR),$(ODOO_ADDONS)
ODOO_ARGS = $(DB_ARGS) --addons-path=$(ADDONS_PATH)
CHECK := $(PYTHON) tools/check_prereqs.py --db-host="$(DB_HOST)" --db-port="$(DB_PORT)" --db-user="$(DB_USER)"
COMMA := ,
EMPTY :=
SPACE := $(EMPTY) $(EMPTY)
# Copies of the freshly built test database: for the uninstall test, and for the test
# of two collection runs at once (real concurrent transactions need committed data).
SCRATCH_DB := $(TEST_DB)_scratch
CONCURRENCY_DB := $(TEST_DB)_concurrency
ORDERS_DB := $(TEST_DB)_orders

.PHONY: help demo test lint bench pot check-demo check-test test-deps tour-deps lint-deps demo-deps

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-6s %s\n", $$1, $$2}'
	@echo "Settings (environment): PYTHON=$(PYTHON) DEMO_DB=$(DEMO_DB) TEST_DB=$(TEST_DB) HTTP_PORT=$(HTTP_PORT) DB_HOST=$(DB_HOST) DB_PORT=$(DB_PORT) DB_USER=$(DB_USER) LANGS=$(LANGS)"

demo: check-demo demo-deps ## (Re)create the demo database, run the scheduled jobs once, serve http://localhost:$(HTTP_PORT)
	@$(ODOO) db $(DB_ARGS) drop $(DEMO_DB) >/dev/null 2>&1 || true
	$(ODOO) $(ODOO_ARGS) -d $(DEMO_DB) -i $(subst $(SPACE),$(COMMA),$(ADDONS)) \
		--load-language=en_US,$(LANGS) --stop-after-init --log-level=warn
	@# The server starts first: the jobs' PDF letters load their CSS from it.
	@$(ODOO) $(ODOO_ARGS) -d $(DEMO_DB) --db-filter='^$(DEMO_DB)$$' --http-port=$(HTTP_PORT) --log-level=warn & \
		server=$$!; trap 'kill $$server 2>/dev/null' INT TERM EXIT; \
		$(PYTHON) tools/wait_for_http.py http://localhost:$(HTTP_PORT)/web/login || exit 1; \
		AR_REPORT_URL=http://localhost:$(HTTP_PORT) $(ODOO) shell $(ODOO_ARGS) -d $(DEMO_DB) --no-http \
			--log-level=warn < tools/run_scheduled_jobs.py || exit 1; \
		echo "Serving $(DEMO_DB) at http://localhost:$(HTTP_PORT) (login admin / admin). Ctrl-C to stop."; \
		wait $$server

test: check-test test-deps tour-deps ## Build a fresh test database once and run the whole suite with pytest-odoo
	@for db in $(TEST_DB) $(SCRATCH_DB) $(CONCURRENCY_DB) $(ORDERS_DB); do \
		$(ODOO) db $(DB_ARGS) drop $$db >/dev/null 2>&1 || true; done
	$(ODOO) $(ODOO_ARGS) -d $(TEST_DB) -i $(subst $(SPACE),$(COMMA),$(TEST_ADDONS)) \
		--load-language=en_US,$(LANGS) --stop-after-init --log-level=warn
	$(ODOO) db $(DB_ARGS) duplicate $(TEST_DB) $(SCRATCH_DB) >/dev/null
	$(ODOO) db $(DB_ARGS) duplicate $(TEST_DB) $(CONCURRENCY_DB) >/dev/null
	$(ODOO) db $(DB_ARGS) duplicate $(TEST_DB) $(ORDERS_DB) >/dev/null
	AR_SCRATCH_DB=$(SCRATCH_DB) AR_CONCURRENCY_DB=$(CONCURRENCY_DB) AR_ORDERS_DB=$(ORDERS_DB) AR_ADDONS_PATH=$(ADDONS_PATH) \
		$(PYTHON) -m pytest $(addsuffix /tests,$(TEST_ADDONS)) \
		$$($(CHECK) --need=chromium >/dev/null 2>&1 || echo "--deselect ar_collections/tests/test_tours.py") \
		--odoo-database=$(TEST_DB) --odoo-http --odoo-addons-path=$(ADDONS_PATH) \
		$(foreach a,$(DB_ARGS),--odoo-extra=$(patsubst --%,%,$(a))) $(PYTEST_ARGS)

bench: check-test ## Benchmark on a generated dataset (BENCH_ARGS="--quick" for the small size), see bench/RESULTS.md
	$(PYTHON) bench/bench.py --quiet $(BENCH_ARGS)

lint: lint-deps ## ruff (lint + format check) and pylint-odoo
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m pylint --rcfile=.pylintrc $(TEST_ADDONS)

pot: check-test ## Regenerate ar_collections/i18n/ar_collections.pot from the test database
	$(ODOO) $(ODOO_ARGS) -d $(TEST_DB) --i18n-export=ar_collections/i18n/ar_collections.pot \
		--modules=ar_collections --stop-after-init --log-level=warn

check-demo:
	@$(CHECK) --need=odoo,postgres,wkhtmltopdf

check-test:
	@$(CHECK) --need=odoo,postgres,wkhtmltopdf

test-deps:
	@$(PYTHON) -c "import pytest_odoo, freezegun, websocket, aiosmtpd" 2>/dev/null \
		|| $(PYTHON) -m pip install --quiet -r requirements-dev.txt
	@# OCA's queue_job, for the ar_collections_queue bridge: an Odoo addon on PyPI, installed
	@# without its declared dependency on the odoo package (Odoo is already here).
	@$(PYTHON) -c "import odoo.addons, os, sys; sys.exit(not any(os.path.isdir(os.path.join(p, 'queue_job')) for p in odoo.addons.__path__))" \
		|| $(PYTHON) -m pip install --quiet --no-deps "$(QUEUE_JOB)"

# Browser tours need Debian's chromium: CI installs it; elsewhere they are skipped, loudly.
tour-deps:
	@$(CHECK) --need=chromium >/dev/null 2>&1 \
		|| { [ -n "$$CI" ] && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] \
			&& (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); } \
		|| echo "WARNING: chromium is not installed: the browser tours (test_tours.py) are SKIPPED. apt-get install chromium"

# The demo's emails go out through aiosmtpd, an SMTP sink on loopback (see tools/demo_replies.py).
demo-deps:
	@$(PYTHON) -c "import aiosmtpd" 2>/dev/null || $(PYTHON) -m pip install --quiet -r requirements-dev.txt

lint-deps:
	@$(PYTHON) -c "import ruff, pylint_odoo" 2>/dev/null \
		|| $(PYTHON) -m pip install --quiet -r requirements-dev.txt

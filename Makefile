# Formwork: `make demo` runs the CRM demo, `make test` runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_WORKERS ?= 2
export FORMWORK_FAST_PASSWORD_HASH ?= 1

.PHONY: setup demo serve test test-py test-js system-packages check lint fmt bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

demo: setup
	FORMWORK_FAST_PASSWORD_HASH=0 $(VENV)/bin/formwork demo

system-packages:
	./scripts/ensure-system-packages.sh

test: setup system-packages
	@dsn="$$(./scripts/ensure-services.sh)"; \
	if [ -n "$$dsn" ]; then export FORMWORK_TEST_DATABASE_URL="$${FORMWORK_TEST_DATABASE_URL:-$$dsn}"; fi; \
	echo "PostgreSQL tests: $${FORMWORK_TEST_DATABASE_URL:-not configured}"; \
	$(MAKE) --no-print-directory test-js && \
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile -q -p no:randomly

test-js:
	node --test tests/js/

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: lint test

bench: setup
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk)
	$(PY) bench/expr_bench.py
	$(PY) bench/forms_bench.py
	$(PY) bench/sqlite_writers_bench.py
	@dsn="$$(./scripts/ensure-services.sh)"; pg="$${dsn%/*}/formwork_bench"; \
	psql "$${dsn%/*}/postgres" -qc "DROP DATABASE IF EXISTS formwork_bench" -c "CREATE DATABASE formwork_bench"; \
	$(PY) bench/public_submit_bench.py --postgres "$$pg"; \
	psql "$${dsn%/*}/postgres" -qc "DROP DATABASE IF EXISTS formwork_bench" -c "CREATE DATABASE formwork_bench"; \
	$(PY) bench/records_list_bench.py --postgres "$$pg"; \
	psql "$${dsn%/*}/postgres" -qc "DROP DATABASE IF EXISTS formwork_bench" -c "CREATE DATABASE formwork_bench"; \
	$(PY) bench/automation_bench.py --postgres "$$pg"

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

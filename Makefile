# Duken: `make demo` installs and starts the demo store; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV   ?= .venv
PY      = $(VENV)/bin/python
PIP     = $(VENV)/bin/pip
PORT   ?= 8000
export PORT

.PHONY: demo test lint install install-dev serve bench clean

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# The stamp files make a second `make demo` skip the install when nothing changed.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(VENV)/bin/duken demo

serve: install
	$(VENV)/bin/duken serve

lint: install-dev
	$(VENV)/bin/ruff check duken bench conftest.py
	$(VENV)/bin/ruff format --check duken bench conftest.py
	$(VENV)/bin/lint-imports
	DUKEN_VAR_DIR=$$(mktemp -d) $(VENV)/bin/duken makemigrations --check --dry-run

# The suite runs on SQLite; with DUKEN_TEST_POSTGRES_URL set it runs again on PostgreSQL,
# where the concurrency tests (marked postgres) race real connections.
test: install-dev lint
	$(VENV)/bin/pytest -n 2 --dist loadgroup
	@if [ -n "$$DUKEN_TEST_POSTGRES_URL" ]; then \
	  echo "== again on PostgreSQL"; \
	  DATABASE_URL="$$DUKEN_TEST_POSTGRES_URL" $(VENV)/bin/pytest -n 2 --dist loadgroup -m "not browser"; \
	fi

bench: install-dev
	$(PY) bench/storefront.py

clean:
	rm -rf $(VENV) var

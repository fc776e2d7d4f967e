# lantern — everyday commands. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LANTERN := $(BIN)/lantern
DEMO_ENV := LANTERN_CONFIG=examples/lantern.toml DATABASE_URL=sqlite:///demo.db

.PHONY: install demo test lint format typecheck run bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,postgres]'
	touch $@

install: $(VENV)/.installed

demo: install ## check and preview the example workspace; no Slack needed
	$(DEMO_ENV) $(LANTERN) check-config
	$(DEMO_ENV) $(LANTERN) migrate
	$(DEMO_ENV) $(LANTERN) preview --days 21

test: install lint ## ruff, mypy and the test suite (PostgreSQL too with TEST_DATABASE_URL)
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install
	$(BIN)/mypy
	$(BIN)/lint-imports

run: install ## Socket Mode: migrate, then the worker and the socket client together
	$(LANTERN) migrate
	$(LANTERN) worker & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; $(LANTERN) socket

bench: install
	@for f in bench/*.py; do [ -e "$$f" ] || continue; echo "== $$f"; $(BIN)/python $$f; done

clean:
	rm -rf $(VENV) build dist *.egg-info demo.db demo.db-wal demo.db-shm demo.db.writers

# Two commands for a newcomer: `make run` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint build validate clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ic16graph serve --host 127.0.0.1 --port 8000

test: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/pytest

validate: $(STAMP)
	$(BIN)/ic16graph validate

build: $(STAMP)
	$(BIN)/ic16graph build

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

clean:
	rm -rf $(VENV) build .pytest_cache

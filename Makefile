# Two commands for a newcomer: `make run` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint build validate clean bench bench-quick

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ic16graph serve --host 127.0.0.1 --port 8000

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest

validate: $(STAMP)
	$(BIN)/ic16graph validate

build: $(STAMP)
	$(BIN)/ic16graph build

# Ours against Oxigraph server and rdflib-endpoint (installed into bench/.venv-peers by the
# runner); writes bench/RESULTS.md. About 40 minutes; bench-quick is a smoke run of some minutes.
bench: $(STAMP)
	cd bench && ../$(BIN)/python run.py

bench-quick: $(STAMP)
	cd bench && ../$(BIN)/python run.py --quick

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests

clean:
	rm -rf $(VENV) build .pytest_cache bench/.venv-peers bench/work bench/results

# Two commands on a fresh machine (Python 3.11+):  `make demo`  and  `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps 'char-similar==0.0.2'  # strokes.tsv's source, checked by a test (its own pins would downgrade tqdm)
	touch $(STAMP)

.PHONY: setup demo test lint serve
setup: $(STAMP)

demo: $(STAMP)  ## set up, run the demo, then serve the API on :8000
	$(BIN)/warden demo --serve

test: $(STAMP)  ## set up, then the linters (ruff, mypy --strict) and the whole suite (SQLite and PostgreSQL)
	$(BIN)/ruff check warden tests
	$(BIN)/mypy
	$(BIN)/pytest -n 2

lint: $(STAMP)  ## ruff (lint and format) and mypy --strict with the pydantic plugin (config in pyproject.toml)
	$(BIN)/ruff check warden tests
	$(BIN)/ruff format --check warden tests
	$(BIN)/mypy

serve: $(STAMP)
	$(BIN)/warden serve

# The two commands of the README: `make demo` and `make test`. Both install into .venv first.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
DEMO = .demo

.PHONY: install demo test

$(BIN)/dateline: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

install: $(BIN)/dateline

demo: install
	$(BIN)/dateline read seeds/

test: install
	$(BIN)/python -m pytest -q

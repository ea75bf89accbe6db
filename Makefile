# The two commands of the README: `make demo` and `make test`. Both install into .venv first.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
DEMO = .demo

.PHONY: install demo test

$(BIN)/dateline: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench,spark]'
	touch $@

install: $(BIN)/dateline

demo: install
	rm -rf $(DEMO)
	$(BIN)/dateline read seeds/ --format table
	$(BIN)/dateline index seeds/ --index $(DEMO)/index
	$(BIN)/dateline stats --index $(DEMO)/index
	$(BIN)/dateline search 'palestinians' --facet agency,license,dateline,year --index $(DEMO)/index
	$(BIN)/dateline site $(DEMO)/site --index $(DEMO)/index --query 'Palestine=palestinians'

tests/node_modules/axe-core: tests/package.json tests/package-lock.json
	npm ci --prefix tests --no-audit --no-fund --silent

test: install tests/node_modules/axe-core
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n 2

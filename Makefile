# Kelurahan Pintar: `make run` serves the platform on SQLite, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := wsgi

.PHONY: run test lint translations install install-test clean

$(VENV)/.run-installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.run-installed tests/example_plugin/pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]' -e tests/example_plugin
	touch $@

install: $(VENV)/.run-installed translations
install-test: $(VENV)/.test-installed translations

translations: $(VENV)/.run-installed
	$(BIN)/pybabel compile --use-fuzzy -d translations -D messages >/dev/null

run: install
	$(BIN)/flask db upgrade heads
	$(BIN)/flask kp seed --demo
	@echo "Kelurahan Pintar: http://127.0.0.1:$(PORT)"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .


clean:
	rm -rf $(VENV) .pytest_cache

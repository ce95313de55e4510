# Kelurahan Pintar: `make run` serves the platform on SQLite, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := wsgi

.PHONY: run test lint translations messages install install-test clean

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
	$(BIN)/python scripts/catalogs.py compile

messages: $(VENV)/.run-installed
	$(BIN)/python scripts/catalogs.py extract

run: install
	$(BIN)/flask db upgrade heads
	$(BIN)/flask kp seed --demo
	@echo "Kelurahan Pintar: http://127.0.0.1:$(PORT)"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# Every core runs tests (pytest-xdist); PYTEST_ARGS="-n 0 -x" for one process.
test: install-test
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .


clean:
	rm -rf $(VENV) .pytest_cache

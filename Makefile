# Kelurahan Pintar: `make run` serves the platform on SQLite, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := wsgi

.PHONY: run test lint translations messages install install-test lock clean

# Dependencies come from the lock files, with hashes: two installs a month apart are the same
# program. `make lock` refreshes them after a change to pyproject.toml.
$(VENV)/.run-installed: pyproject.toml requirements/run.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/run.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.run-installed requirements/test.txt tests/example_plugin/pyproject.toml
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/test.txt
	$(BIN)/python -m pip install --quiet --no-deps -e tests/example_plugin
	touch $@

# The newest versions pyproject.toml allows, pinned with hashes for every platform: run.txt
# for `make run`, deploy.txt adds gunicorn, psycopg and redis for a server, test.txt the test
# tools; each keeps the versions of the one before. Commit them with the change that needed it.
LOCK_ARGS := --universal --python-version 3.11 --generate-hashes --quiet
lock: $(VENV)/.run-installed
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml $(LOCK_ARGS) --upgrade -o requirements/run.txt
	$(BIN)/uv pip compile pyproject.toml $(LOCK_ARGS) --extra deploy \
		-c requirements/run.txt -o requirements/deploy.txt
	$(BIN)/uv pip compile pyproject.toml $(LOCK_ARGS) --extra test --extra deploy \
		-c requirements/deploy.txt -o requirements/test.txt

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
	KP_PUBLIC_URL=$${KP_PUBLIC_URL:-http://127.0.0.1:$(PORT)} \
		$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# Every core runs tests (pytest-xdist); PYTEST_ARGS="-n 0 -x" for one process.
test: install-test
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .


clean:
	rm -rf $(VENV) .pytest_cache

# Two commands set everything up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ADDRESS ?= 127.0.0.1
PORT ?= 8501
APT_INSTALL := $(if $(filter 0,$(shell id -u)),,sudo) apt-get

.PHONY: run test lint format bench chromium pdftoppm clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Installs are stamped so that repeated runs are instant; editing the pins re-installs.
$(VENV)/.run-installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.run-installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test]'
	touch $@

# Debian's chromium renders chart images (kaleido) and runs the browser tests (Playwright).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium (needed for chart images and browser tests)"; \
		$(APT_INSTALL) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_INSTALL) install -y -qq chromium >/dev/null; }

# The report tests look at the printed pages as pictures (pdftoppm, from Debian's poppler-utils).
pdftoppm:
	@command -v pdftoppm >/dev/null 2>&1 || { \
		echo "Installing Debian's poppler-utils (the report tests render PDF pages with pdftoppm)"; \
		$(APT_INSTALL) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_INSTALL) install -y -qq poppler-utils >/dev/null; }

# The server answers only to its own names (DNS rebinding): loopback, plus this machine's names
# and addresses when ADDRESS reaches beyond it, plus the saved join address. They are worked out
# before start-up, so the first phone gets in, and a failure stops here rather than run unguarded.
run: $(VENV)/.run-installed
	@command -v chromium >/dev/null 2>&1 || $(MAKE) --no-print-directory chromium || echo "chromium could not be installed: chart image downloads will be unavailable"
	hosts="$$($(BIN)/python -m alignment.signin $(ADDRESS))" && \
		STREAMLIT_SERVER_ALLOWED_HOSTS="$$hosts" $(BIN)/streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT)

# The bench's own tests run DuckDB (its yardstick), so the tests install the bench extra too.
test: $(VENV)/.bench-installed chromium pdftoppm
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

$(VENV)/.bench-installed: $(VENV)/.test-installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test,bench]'
	touch $@

# Lighthouse (npm, for the browser bench), installed again when its lock changes.
LIGHTHOUSE := bench/lighthouse
$(LIGHTHOUSE)/node_modules/.installed: $(LIGHTHOUSE)/package.json $(LIGHTHOUSE)/package-lock.json
	npm ci --prefix $(LIGHTHOUSE) --no-audit --no-fund --loglevel=error
	touch $@

# Figures, not asserts: each benchmark prints its measures beside the targets.
bench: $(VENV)/.bench-installed chromium $(LIGHTHOUSE)/node_modules/.installed
	$(BIN)/python -m bench.export_speed
	$(BIN)/python -m bench.scale
	$(BIN)/python -m bench.cli_speed
	$(BIN)/python -m bench.workbook
	$(BIN)/python -m bench.burst
	$(BIN)/python -m bench.lighthouse

format: $(VENV)/.test-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis test-output

# Two entry points that work on a fresh machine with nothing but Python 3.10+:
#   make demo   set up .venv and print the demo catalog's segment sizes on the sample data
#   make test   set up .venv (with dev extras) and run lint + the whole test suite
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

# sudo only when not root and sudo exists (CI containers run as root without it)
SUDO   := $(shell [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null && echo sudo)

.PHONY: demo test lint bench clean venv chromium

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
	  echo "python3 -m venv failed: installing python3-venv with apt-get"; \
	  rm -rf $(VENV); apt-get update -qq && apt-get install -y -qq python3-venv python3-pip && \
	  $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,widgets]'
	@rm -f $(VENV)/.installed-*; touch $@

venv: $(STAMP)

# The browser tests (tests/test_browser*.py, machinery in tests/browser.py) drive Debian's chromium through playwright:
# no `playwright install`, no browser download.
chromium:
	@command -v chromium >/dev/null || { \
	  echo "chromium not found: installing Debian's chromium with apt-get"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

demo: $(STAMP)
	$(PY) -m segment_lab demo

lint: $(STAMP)
	$(PY) -m ruff check segment_lab tests benchmarks
	$(PY) -m ruff format --check segment_lab tests benchmarks

test: $(STAMP) lint chromium
	$(PY) -m pytest -n 2 -q -ra

bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) datasets/generated .pytest_cache

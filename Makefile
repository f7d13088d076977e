# Two entry points that work on a fresh machine with nothing but Python 3.10+:
#   make demo   set up .venv with the runtime only, print the demo catalog's sizes and alerts
#               on the sample data and write the dashboard (DASHBOARD)
#   make test   set up .venv (with dev extras) and run lint + the whole test suite
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HASH   := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# Two stamps: the runtime install (what `make demo` needs) and the dev install (test and
# browser tooling) on top of it; editing pyproject.toml invalidates both.
RUNTIME := $(VENV)/.runtime-$(HASH)
STAMP  := $(VENV)/.installed-$(HASH)
DASHBOARD ?= datasets/generated/dashboard.html

# sudo only when not root and sudo exists (CI containers run as root without it)
SUDO   := $(shell [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null && echo sudo)

.PHONY: demo test lint bench bench-scale clean venv chromium postgresql java

$(RUNTIME): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
	  echo "python3 -m venv failed: installing python3-venv with apt-get"; \
	  rm -rf $(VENV); apt-get update -qq && apt-get install -y -qq python3-venv python3-pip && \
	  $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	@rm -f $(VENV)/.runtime-*; touch $@

$(STAMP): $(RUNTIME)
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

# The backend parity tests (tests/test_backend_parity.py, machinery in tests/backends.py) start a
# throwaway cluster of Debian's postgresql (initdb + pg_ctl, no service) and PySpark in local
# mode, which needs a Java runtime: both from apt-get where missing.
postgresql:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null || { \
	  echo "PostgreSQL not found: installing Debian's postgresql with apt-get"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }

java:
	@command -v java >/dev/null || { \
	  echo "java not found: installing Debian's default-jre-headless with apt-get (PySpark)"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; }

# Builds the sample on first use, prints sizes and alerts, writes the offline dashboard.
demo: $(RUNTIME)
	@mkdir -p $(dir $(DASHBOARD))
	$(PY) -m segment_lab demo --dashboard $(DASHBOARD)

lint: $(STAMP)
	$(PY) -m ruff check segment_lab tests benchmarks
	$(PY) -m ruff format --check segment_lab tests benchmarks

# --dist loadgroup: the PostgreSQL and the Spark tests each stay on one worker (xdist_group)
test: $(STAMP) lint chromium postgresql java
	$(PY) -m pytest -n 2 --dist loadgroup -q -ra --durations=25

bench: $(STAMP)
	$(PY) -m benchmarks

# The scaling benchmark with the opt-in 4M scale: generates datasets/generated/4M.duckdb on
# first use (about 2.7 GiB; see BENCHMARKS.md for the time), then 100k, 1M and 4M contacts.
bench-scale: $(STAMP)
	$(PY) -m benchmarks scaling --scales 100k,1M,4M

clean:
	rm -rf $(VENV) datasets/generated .pytest_cache

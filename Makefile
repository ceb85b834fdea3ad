# journeymap — the two commands a new user needs:
#   make demo   set up (graphviz, virtualenv, package) and fit the bundled example
#   make test   set up and run the checks: ruff, mypy, pytest, the docs site (--strict)
# and, while working:
#   make test-fast   ruff and the tests not marked slow, browser or postgres (about a minute)
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
BENCH_STAMP := $(VENV)/.installed-bench
DOWHY ?= dowhy>=0.14,<0.15
PEERS_ARGS ?=
DEMO_OUT ?= out/demo
# pytest runs in PYTEST_WORKERS processes (pytest-xdist); each test file stays in one
# process (--dist loadfile), so a file's module fixtures (a Spark session, a real server)
# start once, and the browser tests' shared server (tests/web/conftest.py) once a process.
# PYTEST_WORKERS=0 runs in this process; PYTEST_ARGS adds options (-x, -k NAME …).
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=
PYTEST := $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile
FAST_MARKERS := not slow and not browser and not postgres

.PHONY: demo test lint typecheck pytest setup setup-dev system-deps bench bench-deps \
	bench-peers clean docs test-fast pytest-fast i18n screenshots

demo: setup
	$(BIN)/journeymap demo --out $(DEMO_OUT)

test: setup-dev lint typecheck pytest docs

test-fast: setup-dev lint pytest-fast

# The words people read in five languages (docs/web.md, "Languages"): extract the
# messages wrapped in _() / N_() and the templates' {{ _("…") }} (babel.cfg), merge them
# into each language's .po (then translate the new entries), and compile the .mo files
# the package ships.  tests/test_i18n.py fails on a missing or stale translation.
i18n: setup-dev
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --project journeymap \
	  --copyright-holder "journeymap developers" -o journeymap/locale/journeymap.pot .
	$(BIN)/pybabel update -i journeymap/locale/journeymap.pot -d journeymap/locale \
	  -D journeymap --no-fuzzy-matching --ignore-obsolete -w 100
	$(BIN)/pybabel compile -d journeymap/locale -D journeymap --statistics

# The demo installs the package with the `all` extra: the readers (Parquet, Excel,
# DuckDB), the HTTP service and web pages (`journeymap admin`, `journeymap serve`), the
# bayesnet engine and PDF cards (WeasyPrint, on the Pango that graphviz brings), so that
# every command in the README works after `make demo`.
# The checks need the dev extra (Spark, semopy, Playwright, pytest …), installed only
# for `make test` and `make test-fast`.
setup: system-deps $(STAMP)

setup-dev: setup $(DEV_STAMP)

# The Debian `dot` binary (graphviz) draws the maps; install it when missing.
system-deps:
	@if ! command -v dot >/dev/null 2>&1; then \
	  echo "Installing graphviz (the 'dot' binary) ..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
	  else echo "Please install graphviz (apt-get install graphviz) and re-run."; exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq graphviz >/dev/null; \
	fi

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "journeymap needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[all]'
	@touch $(STAMP)

$(DEV_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(DEV_STAMP)

lint: setup-dev
	$(BIN)/ruff check journeymap api tests benchmarks tools

typecheck: setup-dev
	$(BIN)/mypy journeymap api

# Every test; pytest's exit status 5 (no test collected) fails the target like a failure.
pytest: setup-dev
	$(PYTEST) $(PYTEST_ARGS)

pytest-fast: setup-dev
	$(PYTEST) -m "$(FAST_MARKERS)" $(PYTEST_ARGS)

# The documentation site (mkdocs.yml): warnings such as a broken link, a missing anchor or a
# docstring that does not parse fail the build.  Output in site/.
docs: setup-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

bench: setup-dev
	$(BIN)/python benchmarks/fit_speed.py
	$(BIN)/python benchmarks/render_speed.py

# The peers benchmark (benchmarks/peers.py) needs semopy, pgmpy and DoWhy.  DoWhy pins
# scipy<=1.15.3 on Python < 3.13, so it is installed with --no-deps after the `bench`
# extra, which lists its other requirements: scipy stays the version journeymap is
# measured with (`pip check` then reports only that cap).
bench-deps: setup $(BENCH_STAMP)

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python -m pip install -q --no-deps '$(DOWHY)'
	$(BIN)/python -c 'import dowhy.gcm, pgmpy, semopy, scipy; print("dowhy", dowhy.__version__, "pgmpy", pgmpy.__version__, "semopy", semopy.__version__, "scipy", scipy.__version__)'
	@touch $(BENCH_STAMP)

# Phone, projector and print screenshots of a share link in every language (docs/web.md).
screenshots: setup-dev
	$(BIN)/python tools/screenshots.py

bench-peers: bench-deps
	$(BIN)/python benchmarks/peers.py $(PEERS_ARGS)

clean:
	rm -rf $(VENV) out site .mypy_cache .ruff_cache .pytest_cache

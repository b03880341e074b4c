# Two commands do everything on a fresh machine with Python 3.11, 3.12 or 3.13, pip and make:
#   make run    set up, obtain the data, execute the whole course into _build/
#   make test   set up, obtain the data, unit tests + nbval over every notebook and solution
# and, for learners, `make lab` opens JupyterLab on the course.

# The first of python3.11, python3.12, python3.13, python3 that is 3.11-3.13 (or PYTHON=... given).
SUPPORTED := 3.11, 3.12 or 3.13
FITS := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell for p in python3.11 python3.12 python3.13 python3; do \
	$$p -c '$(FITS)' >/dev/null 2>&1 && { echo $$p; break; }; done)
endif
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# No TensorFlow C++ log lines (INFO, WARNING, ERROR; FATAL still shows) in any command or notebook;
# errors still raise Python exceptions, and Python warnings still show (lstmrec/util/tflog.py says more).
export TF_CPP_MIN_LOG_LEVEL := 3

.PHONY: python-check setup kit kit-install data run test check lint test-browser chromium lab bench serve clean help
.DEFAULT_GOAL := help

help:
	@echo "make run    - set up, get the data (MovieLens-100K and -1M, Instacart, CollegeMsg), execute every notebook into _build/"
	@echo "make test   - set up, get the data, make lint, unit tests and nbval over notebooks/ and solutions/"
	@echo "make check  - the maintainers' fast loop (at most 2 minutes): make lint and the unit tests that are not slow"
	@echo "make lint   - what the pre-commit hooks check: stripped notebooks, generated navigation, ruff"
	@echo "make test-browser - install Chromium if missing (Debian/Ubuntu), then JupyterLab and the book in it"
	@echo "make lab    - open JupyterLab on the course"
	@echo "make kit    - write the offline workshop kit (wheels, data, trained models) to _build/"
	@echo "make setup KIT=path - set up from a kit, with no network"
	@echo "make bench  - print the model table (python -m lstmrec.bench \$$BENCH_ARGS, e.g. BENCH_ARGS='--dataset ml-1m')"
	@echo "make serve  - serve the course's LSTM over HTTP on 127.0.0.1 (python -m lstmrec.serve \$$SERVE_ARGS, e.g. SERVE_ARGS='--port 8001')"
	@echo "make clean  - remove _build/ (keeps .venv/ and data/)"

# The virtual environment is (re)built only when requirements.txt or pyproject.toml change.
$(STAMP): requirements.txt pyproject.toml | python-check
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	PYTHONWARNINGS=ignore $(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

python-check:
	@test -n "$(PYTHON)" || { echo "No Python $(SUPPORTED) found (tried python3.11, python3.12, python3.13, python3): install one, or give its path, e.g. make PYTHON=/usr/bin/python3.12 ..." >&2; exit 1; }
	@$(PYTHON) -c '$(FITS)' >/dev/null 2>&1 || { echo "The course needs Python $(SUPPORTED); PYTHON=$(PYTHON) is $$($(PYTHON) --version 2>&1 | head -1). Give one of those, e.g. make PYTHON=/usr/bin/python3.12 ..." >&2; exit 1; }

setup: $(if $(KIT),kit-install,$(STAMP))

# The offline workshop kit (lstmrec/course/kit.py): make it where there is internet, install it where there is none.
kit: data
	$(PY) -m lstmrec.course.kit build $(if $(NODATA),--no-data)

kit-install: python-check
	$(PYTHON) -m lstmrec.course.kit unpack "$(KIT)" .kit
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --no-index --find-links .kit/wheels -r requirements.txt
	PYTHONWARNINGS=ignore $(PY) -m pip install --quiet --no-index --no-deps --no-build-isolation -e .
	$(PY) -m lstmrec.course.kit restore .kit
	rm -rf .kit
	touch $(STAMP)

data: $(STAMP)
	$(PY) -m lstmrec.data

run: data
	$(PY) -m lstmrec.course.build

test: data lint
	$(PY) -m pytest

# The fast loop for a maintainer: no training, no servers, no real data, no notebooks (markers in pyproject.toml).
check: lint
	$(PY) -m pytest tests -m "not slow and not real_data and not notebooks" -q --durations=5

# The checks of .pre-commit-config.yaml, changing nothing (tests/test_notebooks.py keeps the two in step).
lint: $(STAMP)
	$(PY) -m lstmrec.course check
	$(PY) -m lstmrec.course strip --check
	$(VENV)/bin/nbstripout --verify --keep-count --keep-id notebooks/*.ipynb solutions/*.ipynb
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pre-commit validate-config .pre-commit-config.yaml

# The browser test: JupyterLab and the built book in headless Chromium (part of `make test` where Chromium is).
test-browser: $(STAMP) chromium
	$(PY) -m pytest tests/test_browser.py -v

chromium:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  command -v apt-get >/dev/null || { echo "Install Chromium and its chromedriver with your package manager." >&2; exit 1; }; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

lab: data
	$(VENV)/bin/jupyter lab notebooks/00_start_here.ipynb

bench: data
	$(PY) -m lstmrec.bench $(BENCH_ARGS)

serve: data
	$(PY) -m lstmrec.serve $(SERVE_ARGS)

clean:
	rm -rf _build

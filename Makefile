# The two commands a newcomer needs: `make run` and `make test`. Both set up .venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
APP_STAMP := $(VENV)/.installed-app
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install install-app run ingest index test test-fast test-hostile lint bench bench-scale bench-serve serve browser clean

# torch first, from constraints.txt: left to itself pip resolves a multi-GB CUDA build.
# Two levels: `make run` needs only the app (`.`); tests, lint and benchmarks also need the
# dev tools and Ray (`.[dev,cluster]`, several hundred MB more).
$(APP_STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q -c constraints.txt torch==2.13.0
	$(PY) -m pip install -q -c constraints.txt -e .
	touch $(APP_STAMP)

$(STAMP): $(APP_STAMP)
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev,cluster]'
	touch $(STAMP)

install-app: $(APP_STAMP)

install: $(STAMP)

# Incremental: embeds only new or edited articles, and does nothing when the index is current.
index: install-app
	$(VENV)/bin/advice-search ingest

ingest: index

run: index
	$(VENV)/bin/streamlit run app.py --server.headless true --browser.gatherUsageStats false

# The JSON API on http://127.0.0.1:8000 (docs at /docs); `advice-search serve --help` for more.
serve: index
	$(VENV)/bin/advice-search serve

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser test..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: install browser
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

# Pure functions and the small written sample index only (no real-corpus index, page, browser
# or killed processes): the quick loop while changing code.
test-fast: install
	$(PY) -m pytest -q -m "not slow"

# The hostile suite at full length (`make test` runs its short form): fuzzed questions,
# malformed corpus files, a full disk, kills at every write step, garbage in CURRENT, races.
# Prints its table and writes it to tests/output/hostile.md.
test-hostile: install
	ADVICE_SEARCH_HOSTILE=full $(PY) -m pytest -q -m hostile

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Speed (bench/RESULTS.md), then the kill test at ten times its CI length.
bench: index install
	$(PY) -m bench.speed
	@echo "Kill test: ingest killed at 200 random moments..."
	@result=$$(ADVICE_SEARCH_KILL_ROUNDS=200 $(PY) -m pytest -q \
	    tests/test_robustness.py -k killed_at_random_moments 2>&1 | tail -n 1); \
	  echo "$$result"; \
	  printf '\n## Kill test\n\n`ADVICE_SEARCH_KILL_ROUNDS=200 pytest tests/test_robustness.py -k killed_at_random_moments`: %s\n' "$$result" >> bench/RESULTS.md

# The whole pipeline as the library grows to 1.2M passages: bench/SCALE.md and its plots
# (bench/scale_bench.py; about two hours on 2 cores, most of it the 10k-article ingest).
# The baseline is the code before the scale work; txtai and Haystack get their own venv.
SCALE_WORK ?= /tmp/advice-search-scale
BASELINE_REF ?= cefedbc
PEERS_VENV ?= /tmp/advice-search-peers
bench-scale: install
	rm -rf $(SCALE_WORK)/baseline && mkdir -p $(SCALE_WORK)/baseline
	git archive $(BASELINE_REF) | tar -x -C $(SCALE_WORK)/baseline
	test -x $(PEERS_VENV)/bin/python || { $(PYTHON) -m venv $(PEERS_VENV) && \
	  $(PEERS_VENV)/bin/pip install -q -c constraints.txt torch==2.13.0 && \
	  $(PEERS_VENV)/bin/pip install -q -c constraints.txt txtai haystack-ai \
	    sentence-transformers-haystack faiss-cpu; }
	$(PY) -m bench.scale_bench --workdir $(SCALE_WORK) --baseline $(SCALE_WORK)/baseline \
	  --peers-python $(PEERS_VENV)/bin/python

# Load test of the API (bench/SERVE.md): 1 process vs 2 Ray Serve replicas, 1/4/16 clients.
bench-serve: index install
	$(PY) bench/serve_load.py --index index --out bench/SERVE.md

clean:
	rm -rf $(VENV) index/builds index/models index/CURRENT

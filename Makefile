# Two commands do all the set-up on a fresh machine: `make publish` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SEEDS  ?= seeds
OUT    ?= out
JOBS   ?=
BENCH_ARTICLES ?= 2000
SCALE_ARTICLES ?= 100000
SCALE_JOURNALS ?= 50

.PHONY: publish test validate bench bench-import bench-scale serve site-screenshot clean distclean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

publish: $(STAMP)
	$(BIN)/pipeline publish $(SEEDS) -o $(OUT) $(if $(JOBS),--jobs $(JOBS))

test: $(STAMP)
	$(BIN)/python -m pytest

validate: $(STAMP)
	$(BIN)/pipeline validate $(SEEDS)

bench: $(STAMP)
	$(BIN)/python -m bench --articles $(BENCH_ARTICLES)

# Issue 15: process pool vs Dask LocalCluster, PostgreSQL vs SQLite store, 50 concurrent
# harvesters; needs Debian's postgresql binaries. Writes the bench-scale block of BENCHMARKS.md.
bench-import: $(STAMP)
	$(BIN)/python -m bench.import_jats --articles 1000

bench-scale: $(STAMP)
	$(BIN)/python -m bench.scale --articles $(SCALE_ARTICLES) --journals $(SCALE_JOURNALS)

serve: $(STAMP)
	$(BIN)/pipeline serve --db $(OUT)/oai.sqlite3 --site $(OUT)/site

# The README's picture of a landing page (docs/site-landing-page.png), by headless Chromium.
site-screenshot: $(STAMP)
	$(BIN)/python scripts/site_screenshot.py

clean:
	rm -rf $(OUT) .pytest_cache .hypothesis bench-work
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info

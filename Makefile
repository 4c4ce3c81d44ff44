# Every target works on a fresh clone: it creates .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WIRE_CORPUS ?= corpus
WIRE_INDEX ?= index
export WIRE_CORPUS WIRE_INDEX

.PHONY: run test test-faults test-browser lint bench bench-relevance bench-extract bench-speed bench-scale bench-dedup bench-research bench-wire clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

## run: build the index from corpus/ when missing, then serve http://127.0.0.1:5000
run: $(STAMP)
	test -f $(WIRE_INDEX)/CURRENT || $(BIN)/wire reindex
	$(BIN)/wire serve --host 127.0.0.1 --port 5000

## test: the whole suite (browser tests skip without Chromium, except in CI)
test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check indexer webui tests bench
	$(BIN)/ruff format --check indexer webui tests bench
	$(BIN)/mypy indexer

bench: bench-relevance bench-extract bench-speed bench-dedup bench-research bench-wire

bench-relevance: $(STAMP)
	$(BIN)/python -m bench.relevance

bench-extract: $(STAMP)
	$(BIN)/python -m bench.extract

bench-speed: $(STAMP)
	$(BIN)/python -m bench.speed

## bench-scale: Whoosh against two Sphinx shards (needs searchd: apt-get install sphinxsearch)
bench-scale: $(STAMP)
	$(BIN)/python -m bench.scale $(BENCH_SCALE_ARGS)

bench-dedup: $(STAMP)
	$(BIN)/python -m bench.dedup --sweep

## bench-research: export all of Reuters-21578 (CSV, JSON Lines, bodies) and timeline latency
bench-research: $(STAMP)
	$(BIN)/python -m bench.research

## bench-wire: agency, place, date, title, junk removed on the table of real page texts
bench-wire: $(STAMP)
	$(BIN)/python -m bench.wire

clean:
	rm -rf $(WIRE_INDEX) build .pytest_cache

## test-faults: kill -9, a full disk, two writers, a server under a reindex, hostile
## input (tests/faults, minutes; left out of `make test`, collected when WIRE_FAULTS=1)
test-faults: $(STAMP)
	WIRE_FAULTS=1 $(BIN)/python -m pytest -q -p no:cacheprovider --durations=10 tests/faults

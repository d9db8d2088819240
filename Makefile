# The two commands of the README: `make run` and `make test`. Each makes its own virtualenv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROGRAMME ?= schedules/agenda-sociaal-werk-2020.toml

.PHONY: run test check lint typecheck screenshot bench bench-live clean

# (Re)install whenever pyproject.toml changes.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "festival needs Python 3.11 or newer (PYTHON=$(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(STAMP)

## Start the reference festival on the embedded default (SQLite, in-process, maildir), moved to today.
run: $(STAMP)
	$(BIN)/festival serve --programme $(PROGRAMME) --demo

## Every check CI runs: format, lint, types, import layers, the whole test suite.
## Two workers, a test file each at a time: most tests wait on servers and browsers, so two
## run side by side in about half the time (a file's tests share their module fixtures).
test: lint typecheck
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff format --check festival tests bench
	$(BIN)/ruff check festival tests bench

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/lint-imports

## Validate every programme file.
check: $(STAMP)
	$(BIN)/festival check schedules/*.toml

## Retake the README screenshot with chromium.
screenshot: $(STAMP)
	$(BIN)/python bench/screenshot.py docs/screenshot-programme.png

## Benchmarks (minutes each; not part of `make test`). Figures go in docs/benchmarks.md.
bench: bench-live

## Live Q&A fan-out of a pick at 1,000/5,000/10,000 attendees against a websockets-only
## reference, and the broadcast ceiling at 1,000.
bench-live: $(STAMP)
	$(BIN)/python bench/ws_bench.py --ceiling --json var/ws_bench.json

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

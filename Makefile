# The two commands of the README: `make run` and `make test`. Each makes its own virtualenv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
PROGRAMME ?= schedules/agenda-sociaal-werk-2020.toml

.PHONY: run test check lint typecheck screenshot bench bench-live bench-storm bench-registration \
	bench-mail bench-cluster bench-door bench-polls clean

# (Re)install whenever pyproject.toml changes: the runtime for `make run`, and the test tool
# chain on top of it only for what checks (a later `make test` adds it to the same venv).
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "festival needs Python 3.11 or newer (PYTHON=$(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	@touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(TEST_STAMP)

## Start the reference festival on the embedded default (SQLite, in-process, maildir), moved to today.
## `exec`: Ctrl-C reaches the server alone, which stops cleanly, and make reports nothing.
run: $(STAMP)
	exec $(BIN)/festival serve --programme $(PROGRAMME) --demo

## Every check CI runs: format, lint, types, import layers, the whole test suite.
## Two workers, a test file each at a time: most tests wait on servers and browsers, so two
## run side by side in about half the time (a file's tests share their module fixtures).
test: $(TEST_STAMP) lint typecheck
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(TEST_STAMP)
	$(BIN)/ruff format --check festival tests bench
	$(BIN)/ruff check festival tests bench

typecheck: $(TEST_STAMP)
	$(BIN)/mypy
	$(BIN)/lint-imports

## Validate every programme file.
check: $(STAMP)
	$(BIN)/festival check schedules/*.toml

## Retake the README's screenshots with chromium: the programme, and the live view.
screenshot: $(TEST_STAMP)
	$(BIN)/python bench/screenshot.py docs/screenshot-programme.png
	$(BIN)/python bench/screenshot_live.py docs

## Benchmarks (minutes each; not part of `make test`): each writes its figures as JSON into
## var/bench, then bench/report.py draws docs/bench/*.svg and prints the tables for
## docs/benchmarks.md. BENCH_QUICK=1: smaller sizes, shorter runs (a first look, not figures
## to publish). Needs PostgreSQL, Redis and nginx as the tests do.
BENCH := var/bench
BENCH_STAMP := $(VENV)/.installed-bench
ifdef BENCH_QUICK
LIVE_ARGS := --sizes 500,1000 --rounds 5
STORM_ARGS := --viewers 2000
REGISTRATION_ARGS := --duration 10 --clients 64
MAIL_ATTENDEES := 2000
CLUSTER_ARGS := --viewers 1000 --rounds 5
CHECKIN_ARGS := --people 1000 --duration 5
CERTIFICATES := 1000
POLL_ARGS := --viewers 300 --answerers 50 --answers 5
else
LIVE_ARGS := --ceiling
STORM_ARGS := --repeat 2
REGISTRATION_ARGS :=
MAIL_ATTENDEES := 10000
CLUSTER_ARGS :=
CHECKIN_ARGS :=
CERTIFICATES := 10000
POLL_ARGS := --viewers 1000 --answerers 200 --answers 20
endif

bench: bench-live bench-storm bench-registration bench-mail bench-cluster bench-door bench-polls
	$(BIN)/python bench/report.py --figures $(BENCH) --plots docs/bench

$(BENCH_STAMP): $(TEST_STAMP)
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	@touch $(BENCH_STAMP)

## Live Q&A fan-out of a pick at 1,000/5,000/10,000 attendees against a websockets-only
## reference, and the broadcast ceiling at 1,000.
bench-live: $(BENCH_STAMP)
	$(BIN)/python bench/ws_bench.py $(LIVE_ARGS) --json $(BENCH)/live.json

## A reconnect storm: 10,000 viewers, 200 opening at once, beside the reference: time until
## every snapshot, viewers lost, memory per held connection.
bench-storm: $(BENCH_STAMP)
	$(BIN)/python bench/ws_bench.py --storm $(STORM_ARGS) --json $(BENCH)/live-storm.json

## The registration rush: POST /api/registrations at 64 and 256 clients beside a bare server.
bench-registration: $(BENCH_STAMP)
	$(BIN)/python bench/registration_bench.py $(REGISTRATION_ARGS) --json $(BENCH)/registration.json

## Invites to every attendee delivered to a local SMTP sink: SQLite, PostgreSQL, and
## PostgreSQL with two sender processes.
bench-mail: $(BENCH_STAMP)
	$(BIN)/python bench/mail_bench.py --attendees $(MAIL_ATTENDEES) --json $(BENCH)/mail-sqlite.json
	$(BIN)/python bench/mail_bench.py --attendees $(MAIL_ATTENDEES) --database postgresql \
		--json $(BENCH)/mail-postgresql.json
	$(BIN)/python bench/mail_bench.py --attendees $(MAIL_ATTENDEES) --database postgresql \
		--senders 2 --json $(BENCH)/mail-postgresql-2.json

## A pick on one of two instances behind nginx to 10,000 viewers, beside one instance.
bench-cluster: $(BENCH_STAMP)
	$(BIN)/python bench/cluster_bench.py $(CLUSTER_ARGS) --json $(BENCH)/cluster.json

## Live polls: answers absorbed a second while viewers watch, and the time until every
## viewer has the final count, beside the reference.
bench-polls: $(BENCH_STAMP)
	$(BIN)/python bench/poll_bench.py $(POLL_ARGS) --json $(BENCH)/polls.json

## At the door and after the day: check-ins and name searches per second beside a bare
## server (SQLite and PostgreSQL), and 10,000 certificates beside fpdf2 alone.
bench-door: $(BENCH_STAMP)
	$(BIN)/python bench/checkin_bench.py $(CHECKIN_ARGS) --json $(BENCH)/checkin.json
	$(BIN)/python bench/certificates.py --certificates $(CERTIFICATES) \
		--json $(BENCH)/certificates.json

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

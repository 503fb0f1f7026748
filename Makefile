# The two commands a newcomer needs: `make demo` and `make test`. Each does its own
# set-up (system packages via scripts/deps.sh, PostgreSQL via scripts/pg.sh).
SHELL := /bin/bash
GO ?= go
BIN := bin/tarazy

# The store's contract tests run on this PostgreSQL database (scripts/pg.sh creates it).
export TARAZY_TEST_POSTGRES ?= postgres://tarazy:tarazy@127.0.0.1:5432/tarazy_test?sslmode=disable
# Browser tests fail instead of skipping when Chromium is missing (deps.sh installs it).
export TARAZY_REQUIRE_BROWSER ?= 1
# S3 image-store tests fail instead of skipping when versitygw is missing (deps.sh
# builds it once; the tests start it on loopback ports themselves).
export TARAZY_REQUIRE_S3 ?= 1

.PHONY: all build demo test bench accuracy deps-demo deps-test vet staticcheck clean

all: build

deps-demo:
	@scripts/deps.sh demo

deps-test:
	@scripts/deps.sh test

build: deps-demo
	$(GO) build -o $(BIN) ./cmd/tarazy

demo: build
	./$(BIN) demo --out demo-out

vet:
	$(GO) vet ./...

staticcheck: deps-test
	$(STATICCHECK) ./...

# staticcheck is installed (pinned) by scripts/deps.sh test.
STATICCHECK ?= $(shell $(GO) env GOPATH)/bin/staticcheck

test: deps-test
	@scripts/pg.sh
	$(GO) vet ./...
	$(STATICCHECK) ./...
	$(GO) test -count=1 -timeout 30m ./...
	$(GO) test -count=1 -tags matprofile -run TestNoMatLeaks ./omr/

# Reader speed against a plain JPEG decode of the same 300-dpi sheet (wall-clock and
# CPU ratios), peak memory over a 1,000-sheet batch and over a 200-page TIFF read page
# by page (omr/bench_test.go). Compare the figures of one run.
bench: deps-test
	$(GO) test -run '^$$' -bench Read300dpi -benchtime 100x -count=1 ./omr/
	$(GO) test -run '^$$' -bench 'BatchMemory|TIFF200Memory' -benchtime 1x -count=1 ./omr/
	$(GO) test -run '^$$' -bench Read600dpiPNG -benchtime 5x -count=1 ./omr/

# Silent errors (ok but wrong, and wrong but unflagged on pages under review), review
# and rejection rates per condition over the generated corpus (omr/accuracy_test.go):
# SHEETS of the realistic mix and HARD of each hard condition. `go test` (make test)
# reads a smaller corpus.
SHEETS ?= 2000
HARD ?= 100
# …then the independent validation corpus (omr/validation), VSHEETS files per condition.
VSHEETS ?= 8
accuracy: deps-test
	$(GO) test -count=1 -timeout 120m -run TestAccuracy -v ./omr/ -args -sheets $(SHEETS) -hard $(HARD)
	$(GO) test -count=1 -timeout 90m -run TestValidationCorpus -v ./omr/validation/ -args -vsheets $(VSHEETS)

clean:
	rm -rf bin demo-out

# Scoring and ranking benchmarks (issue 3): ranking a national contest of 100,000
# candidates over 150 schools must take under a second on one core.
.PHONY: bench-contest
bench: bench-contest
bench-contest:
	$(GO) test -run '^$$' -bench . -benchmem -cpu 1 ./contest/ ./scoring/

# Intake desk benchmarks: deadline arithmetic, start-up (catalogue + calendar), one
# submission on the in-memory register (the desk's own cost), one submission on the
# store's register holding 1,000 applications, on SQLite and PostgreSQL, and the XLSX
# candidate base of 2,000 registrations over HTTP.
.PHONY: bench-intake
bench-intake: deps-test
	@scripts/pg.sh
	$(GO) test ./intake -run '^$$' -bench . -benchtime 100x
	$(GO) test ./store/sqlite ./store/postgres -run '^$$' -bench IntakeSubmit -benchtime 500x -count 1
	$(GO) test ./server/intakeapi -run '^$$' -bench ExportXLSX -benchtime 20x -count 1

# Storage and API figures (issue 4). `make load` starts a server on a loopback port over
# a scratch PostgreSQL schema, ingests, exports and asks for rankings with fixed counts
# and a time cap, prints the figures and removes what it made. `make bench-store` runs
# the store's Go benchmarks (ingest per reading, 100,000-candidate export) on both
# backends.
.PHONY: load bench-store
load: deps-test
	@scripts/pg.sh
	$(GO) build -o $(BIN) ./cmd/tarazy
	./$(BIN) load --db "$(TARAZY_TEST_POSTGRES)"

bench-store: deps-test
	@scripts/pg.sh
	$(GO) test ./store/sqlite ./store/postgres -run '^$$' -bench Ingest -benchtime 4000x -count 1
	$(GO) test ./store/sqlite ./store/postgres -run '^$$' -bench Export -benchtime 5x -count 1

# National deployment (issue 16): ingest pages/s through 1 and 3 servers on one
# PostgreSQL, images in a local directory or an S3 bucket (versitygw started on a
# loopback port). Three runs of each; quote them as ranges.
.PHONY: bench-national
bench-national: deps-test
	@scripts/pg.sh
	$(GO) test ./server -run '^$$' -bench NationalIngest -benchtime 1x -count 3 -timeout 30m

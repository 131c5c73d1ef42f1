# The two commands a new user needs: `make run` (the API on the embedded SQLite database,
# at http://localhost:9000) and `make test` (everything, on SQLite, plus PostgreSQL when
# TEST_DATABASE_URL is set). See README.md.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# The embedded default; `cargo lambda watch` reads the same URL from Cargo.toml's
# [workspace.metadata.lambda.env].
LOCAL_DATABASE_URL := sqlite://.local/v3.db
DATABASE_URL ?= $(LOCAL_DATABASE_URL)
# The watch router needs cargo-lambda 1.6.3 or newer.
CARGO_LAMBDA_MIN := 1.6.3

.PHONY: help run serve test log-leaks python-tools seed import babelfish bench bench-aws-mode bench-import dataset template-check reliability zips unit-and-contract smoke fmt lint cargo-lambda

help:
	@echo "make run    - serve every /v3 route at http://localhost:9000 on the embedded SQLite database"
	@echo "make test   - unit, contract (SQLite; PostgreSQL when TEST_DATABASE_URL is set) and emulator tests"
	@echo "make seed   - migrate DATABASE_URL (either engine) and load the demo rows; safe to rerun"
	@echo "make import DIR=d - load CSV exports of MitACD tables from d into DATABASE_URL (upsert, a transaction per file)"
	@echo "make serve  - every route from one process (release build) at http://localhost:8080 (PORT)"
	@echo "make bench  - the benchmark (PostgreSQL on loopback): prints the table, writes BENCHMARKS.md"
	@echo "make dataset ROWS=N - fill DATABASE_URL (either engine) with N interactions and ~2N parameters"

serve:
	@DATABASE_URL='$(DATABASE_URL)' cargo run --quiet -p seed
	DATABASE_URL='$(DATABASE_URL)' cargo run --release -p serve

run: cargo-lambda
	@DATABASE_URL=$(LOCAL_DATABASE_URL) cargo run --quiet -p seed
	cargo lambda watch

seed:
	@DATABASE_URL='$(DATABASE_URL)' cargo run --quiet -p seed

# Your MitACD data: CSV exports of MitACD's tables (SSMS, bcp, sqlcmd) from DIR, upserted into
# DATABASE_URL (either engine; the embedded default unless set). See README.md.
import:
	@test -n "$(DIR)" || { echo "usage: make import DIR=folder-of-csv-exports [DATABASE_URL=...]"; exit 1; }
	cargo build --release --quiet -p import
	DATABASE_URL='$(DATABASE_URL)' $(TARGET_DIR)/release/import '$(DIR)'

test: python-tools fmt lint unit-and-contract smoke babelfish template-check reliability log-leaks

unit-and-contract:
	cargo test --workspace --exclude authorizer --locked
	bash tests/aws.sh

# No key, secret, token or request body in any log line at any level: the authorizer and the
# parameters routes run against a Runtime API of the test's own at TRACE and DEBUG, with moto
# and a password-checking PostgreSQL (tests/log_leaks.py).
log-leaks:
	bash tests/log_leaks.sh

# The pinned Python tools of the tests (tests/requirements.txt); a no-op once they are there.
python-tools:
	python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -r tests/requirements.txt

# DB_LAYOUT=babelfish end to end (serve, one function, writes seen by MitACD): on a PostgreSQL
# laid out as Babelfish lays MitACD out, and on a real Babelfish when BABELFISH_TDS_URL and
# BABELFISH_PG_URL are set (reported NOT RUN otherwise). See README, "Your MitACD data".
babelfish:
	python3 tests/babelfish.py

smoke: cargo-lambda
	bash tests/smoke/watch.sh
	bash tests/smoke/user-data.sh
	bash tests/smoke/serve.sh

fmt:
	cargo fmt --all -- --check

# Bad input and faults: the OpenAPI spec checked against the contract and the route table,
# schemathesis (>= 1000 generated requests per engine) against `serve`, then the fault tests
# (database outage, connection cap, SQLite writers, malformed HTTP).
reliability:
	python3 tests/openapi_check.py
	bash tests/schemathesis.sh
	python3 tests/faults.py all

# template.yaml: both AWS linters, then our own check of routes, guard, arm64 and JSON logs.
# replication.yaml (AWS DMS from MitACD): cfn-lint, then its table list against the migrations.
template-check:
	@command -v cfn-lint >/dev/null && command -v sam >/dev/null || python3 -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true SAM_CLI_TELEMETRY=0 cfn-lint template.yaml
	AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true SAM_CLI_TELEMETRY=0 sam validate --lint --template template.yaml --region us-east-1
	python3 tests/template_check.py
	AWS_DEFAULT_REGION=us-east-1 cfn-lint replication.yaml
	cargo build --quiet -p seed
	python3 tests/replication_check.py

lint:
	cargo clippy --workspace --all-targets --locked -- -D warnings

# Installs cargo-lambda from PyPI when it is missing or older than CARGO_LAMBDA_MIN.
cargo-lambda:
	@have=$$(cargo lambda -V 2>&1 | grep -o '^cargo-lambda [0-9.]*' | awk '{print $$2}'); \
	if [ -z "$$have" ] || [ "$$(printf '%s\n' "$(CARGO_LAMBDA_MIN)" "$$have" | sort -V | head -n1)" != "$(CARGO_LAMBDA_MIN)" ]; then \
		echo "installing cargo-lambda >= $(CARGO_LAMBDA_MIN) from PyPI (found: $${have:-none})"; \
		python3 -m pip install --quiet --disable-pip-version-check "$$(grep '^cargo-lambda==' tests/requirements.txt)" || exit 1; \
		hash -r; \
		command -v cargo-lambda >/dev/null || { echo "cargo-lambda installed but not on PATH: add Python's script folder to PATH"; exit 1; }; \
	fi

# --- Benchmark (issue: measured speed) ---------------------------------------------------
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
BENCH_ADMIN_URL ?= postgres://postgres@127.0.0.1:5432/postgres
# Loopback: no TLS (the report also prints what TLS adds to a connect).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/v3_bench?sslmode=disable
BENCH_ROWS ?= 1000000
BENCH_SCALE_LABEL ?= 1M
BENCH_INVOCATIONS ?= 1000
ROWS ?= 1000000

dataset:
	cargo build --release --quiet -p bench --bin dataset
	DATABASE_URL='$(DATABASE_URL)' ROWS='$(ROWS)' $(TARGET_DIR)/release/dataset

bench:
	@command -v wrk >/dev/null || apt-get install -y wrk || { echo "bench needs wrk (apt-get install wrk)"; exit 1; }
	@command -v pgbench >/dev/null || { echo "bench needs pgbench (PostgreSQL's client tools)"; exit 1; }
	@python3 -c 'import matplotlib' 2>/dev/null || python3 -m pip install --quiet matplotlib
	cargo build --release --workspace --bins
	psql '$(BENCH_ADMIN_URL)' -qc 'DROP DATABASE IF EXISTS v3_bench WITH (FORCE)' -c 'CREATE DATABASE v3_bench'
	DATABASE_URL='$(BENCH_DATABASE_URL)' $(TARGET_DIR)/release/seed
	$(TARGET_DIR)/release/bench measure --label demo --database-url '$(BENCH_DATABASE_URL)' --bin-dir $(TARGET_DIR)/release --invocations $(BENCH_INVOCATIONS)
	DATABASE_URL='$(BENCH_DATABASE_URL)' ROWS='$(BENCH_ROWS)' $(TARGET_DIR)/release/dataset
	$(TARGET_DIR)/release/bench measure --label $(BENCH_SCALE_LABEL) --database-url '$(BENCH_DATABASE_URL)' --bin-dir $(TARGET_DIR)/release --invocations $(BENCH_INVOCATIONS)
	python3 bench/chart.py bench-results/demo.json bench-results/$(BENCH_SCALE_LABEL).json docs/bench-latency.png
	$(TARGET_DIR)/release/bench report bench-results/demo.json bench-results/$(BENCH_SCALE_LABEL).json --chart docs/bench-latency.png --zips $(TARGET_DIR)/lambda --out BENCHMARKS.md

# The import's speed: 1M Interacciones rows from CSV into a throwaway PostgreSQL database.
bench-import:
	bash bench/import.sh

# What AWS mode (verify-full TLS, the secret, IAM tokens) costs a cold start: starts a TLS
# PostgreSQL and moto of its own.
bench-aws-mode:
	bash bench/aws-mode.sh

# The Lambda artifacts: one arm64 bootstrap.zip per function (cross-compiled with zig from
# PyPI's ziglang, which the cargo-lambda package brings). Slow: one fat-LTO link per function.
# Every crate under functions/ is one function.
LAMBDA_BINARIES := $(foreach f,$(notdir $(wildcard functions/*)),--bin $(f))
zips: cargo-lambda
	cargo lambda build --release --arm64 --output-format zip $(LAMBDA_BINARIES)
	@for zip in $(TARGET_DIR)/lambda/*/bootstrap.zip; do printf '%-28s %s bytes\n' "$$(basename $$(dirname $$zip))" "$$(stat -c %s $$zip)"; done

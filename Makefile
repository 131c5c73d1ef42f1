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

.PHONY: help run serve test log-leaks python-tools seed import babelfish bench bench-aws-mode bench-import dataset template-check reliability zips unit-and-contract smoke fmt lint cargo-lambda toolchain supply-chain cargo-deny advisory-db deny-update advisory-db-archive docs docs-check

help:
	@echo "make run    - serve every /v3 route at http://localhost:9000 on the embedded SQLite database"
	@echo "make test   - unit, contract (SQLite; PostgreSQL when TEST_DATABASE_URL is set) and emulator tests"
	@echo "make seed   - migrate DATABASE_URL (either engine) and load the demo rows; safe to rerun"
	@echo "make import DIR=d - load CSV exports of MitACD tables from d into DATABASE_URL (upsert, a transaction per file)"
	@echo "make serve  - every route from one process (release build) at http://127.0.0.1:8080 (PORT, HOST), behind API_KEYS_FILE (or SERVE_OPEN=1)"
	@echo "make bench  - the benchmark (PostgreSQL on loopback): prints the table, writes BENCHMARKS.md"
	@echo "make dataset ROWS=N - fill DATABASE_URL (either engine) with N interactions and ~2N parameters"
	@echo "make supply-chain - cargo deny check: advisories, bans, licenses, sources (part of make test)"
	@echo "make deny-update - fetch the RustSec advisory database (needs the network)"
	@echo "make docs   - the API reference page (openapi.yaml in Swagger UI, self-contained) in target/docs for hosting; serve answers it at /docs"

serve: toolchain
	@DATABASE_URL='$(DATABASE_URL)' cargo run --quiet -p seed
	DATABASE_URL='$(DATABASE_URL)' cargo run --release -p serve

run: toolchain cargo-lambda
	@DATABASE_URL=$(LOCAL_DATABASE_URL) cargo run --quiet -p seed
	cargo lambda watch

seed: toolchain
	@DATABASE_URL='$(DATABASE_URL)' cargo run --quiet -p seed

# Your MitACD data: CSV exports of MitACD's tables (SSMS, bcp, sqlcmd) from DIR, upserted into
# DATABASE_URL (either engine; the embedded default unless set). See README.md.
import: toolchain
	@test -n "$(DIR)" || { echo "usage: make import DIR=folder-of-csv-exports [DATABASE_URL=...]"; exit 1; }
	cargo build --release --quiet -p import
	DATABASE_URL='$(DATABASE_URL)' $(TARGET_DIR)/release/import '$(DIR)'

test: toolchain supply-chain python-tools fmt lint unit-and-contract smoke babelfish template-check reliability log-leaks docs-check

unit-and-contract: toolchain
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

# The API reference (README, "API reference"): Swagger UI pinned in docs/api (npm ci from its
# lockfile, without install scripts), bundled by docs/api/build.mjs into docs/api/reference.html
# (committed: serve compiles it in and answers it, openapi.yaml inside, at /docs), then that page
# written to DOCS_OUT/index.html beside openapi.yaml, for hosting. Loads nothing from the network.
DOCS_OUT ?= target/docs
docs: toolchain
	cd docs/api && SCARF_ANALYTICS=false npm ci --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error
	node docs/api/build.mjs
	cargo run --quiet -p serve -- docs --out '$(DOCS_OUT)'

# The reference page current and in headless Chromium: every contract route rendered, nothing
# fetched from the network, /docs and /openapi.yaml public beside the keys (tests/docs_page.py).
docs-check: toolchain python-tools
	cargo build --quiet -p serve -p seed
	cargo build --quiet -p authorizer --bin api-keys
	python3 tests/docs_page.py

# DB_LAYOUT=babelfish end to end (serve, one function, writes seen by MitACD): on a PostgreSQL
# laid out as Babelfish lays MitACD out, and on a real Babelfish when BABELFISH_TDS_URL and
# BABELFISH_PG_URL are set (reported NOT RUN otherwise). See README, "Your MitACD data".
babelfish: toolchain
	python3 tests/babelfish.py

smoke: toolchain cargo-lambda
	bash tests/smoke/watch.sh
	bash tests/smoke/user-data.sh
	bash tests/smoke/serve.sh

fmt: toolchain
	cargo fmt --all -- --check

# Bad input and faults: the OpenAPI spec checked against the contract and the route table,
# schemathesis (>= 1000 generated requests per engine) against `serve`, then the fault tests
# (database outage, connection cap, SQLite writers, malformed HTTP).
reliability: toolchain
	python3 tests/openapi_check.py
	bash tests/schemathesis.sh
	python3 tests/faults.py all
	python3 tests/serve_network.py

# template.yaml: both AWS linters, then our own check of routes, guard, arm64 and JSON logs.
# replication.yaml (AWS DMS from MitACD): cfn-lint, then its table list against the migrations.
template-check: toolchain
	@command -v cfn-lint >/dev/null && command -v sam >/dev/null || python3 -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true SAM_CLI_TELEMETRY=0 cfn-lint template.yaml
	AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true SAM_CLI_TELEMETRY=0 sam validate --lint --template template.yaml --region us-east-1
	python3 tests/template_check.py
	AWS_DEFAULT_REGION=us-east-1 cfn-lint replication.yaml
	cargo build --quiet -p seed
	python3 tests/replication_check.py

lint: toolchain
	cargo clippy --workspace --all-targets --locked -- -D warnings

# Installs cargo-lambda from PyPI when it is missing or older than CARGO_LAMBDA_MIN.
cargo-lambda: toolchain
	@have=$$(cargo lambda -V 2>&1 | grep -o '^cargo-lambda [0-9.]*' | awk '{print $$2}'); \
	if [ -z "$$have" ] || [ "$$(printf '%s\n' "$(CARGO_LAMBDA_MIN)" "$$have" | sort -V | head -n1)" != "$(CARGO_LAMBDA_MIN)" ]; then \
		echo "installing cargo-lambda >= $(CARGO_LAMBDA_MIN) from PyPI (found: $${have:-none})"; \
		python3 -m pip install --quiet --disable-pip-version-check "$$(grep '^cargo-lambda==' tests/requirements.txt)" || exit 1; \
		hash -r; \
		command -v cargo-lambda >/dev/null || { echo "cargo-lambda installed but not on PATH: add Python's script folder to PATH"; exit 1; }; \
	fi

# --- Supply chain (README, "Supply chain") ----------------------------------------------
# The toolchain named by rust-toolchain.toml. Where rustup has no toolchain of that name but
# the machine's stable toolchain is that very release (as on a new machine of this project's
# kind), it is linked under the name; otherwise rustup installs it.
RUST_TOOLCHAIN := $(shell sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
toolchain:
	@if ! rustup run $(RUST_TOOLCHAIN) rustc -V >/dev/null 2>&1; then \
		stable=$$(rustc +stable -V 2>/dev/null | awk '{print $$2}'); \
		if [ "$$stable" = "$(RUST_TOOLCHAIN)" ]; then \
			host=$$(rustc +stable -vV | sed -n 's/^host: //p'); \
			echo "toolchain: the installed stable is rustc $$stable: linked as $(RUST_TOOLCHAIN)-$$host"; \
			ln -sfn "$$(rustc +stable --print sysroot)" "$$(rustup show home)/toolchains/$(RUST_TOOLCHAIN)-$$host" || exit 1; \
		else \
			echo "toolchain: installing $(RUST_TOOLCHAIN) (rust-toolchain.toml; found stable: $${stable:-none})"; \
			rustup toolchain install $(RUST_TOOLCHAIN) --profile minimal --component rustfmt,clippy || exit 1; \
		fi; \
	fi

# cargo-deny, pinned: installed from crates.io when missing or another version (a few minutes,
# once per machine).
CARGO_DENY_VERSION := 0.20.2
cargo-deny: toolchain
	@have=$$(cargo deny --version 2>/dev/null | awk '{print $$2}'); \
	if [ "$$have" != "$(CARGO_DENY_VERSION)" ]; then \
		echo "installing cargo-deny $(CARGO_DENY_VERSION) from crates.io (found: $${have:-none})"; \
		CARGO_TARGET_DIR=$(HOME)/.cache/cargo-install cargo install --quiet --locked cargo-deny --version $(CARGO_DENY_VERSION) || exit 1; \
	fi

# The RustSec advisory database, where cargo-deny keeps it for its default URL (the folder name
# is cargo-deny's hash of that URL). `make supply-chain` fetches it where the network allows;
# otherwise it unpacks ADVISORY_DB_ARCHIVE, a dated snapshot (`git archive` of the database's
# crates/ and licenses, xz), when that is newer than the copy here. The default is the copy of
# the steering repo's shared/ that sits beside the checkout.
ADVISORY_DB_URL := https://github.com/RustSec/advisory-db
ADVISORY_DB := $(or $(CARGO_HOME),$(HOME)/.cargo)/advisory-dbs/advisory-db-3157b0e258782691
ADVISORY_DB_ARCHIVE ?= ../shared/advisory-db/advisory-db.tar.xz

advisory-db: cargo-deny
	@if timeout 300 cargo deny fetch db >/dev/null 2>&1; then \
		echo "advisory-db: fetched from $(ADVISORY_DB_URL)"; \
	else \
		echo "advisory-db: could not fetch $(ADVISORY_DB_URL) (no network?)"; \
		rm -f '$(ADVISORY_DB)/.git/FETCH_HEAD'; \
	fi; \
	if [ -f '$(ADVISORY_DB_ARCHIVE)' ]; then \
		mkdir -p "$$(dirname '$(ADVISORY_DB)')" && tmp=$$(mktemp -d "$$(dirname '$(ADVISORY_DB)')/.snapshot.XXXXXX") && \
		tar -xJf '$(ADVISORY_DB_ARCHIVE)' -C "$$tmp" && test -d "$$tmp/crates" || { echo "advisory-db: $(ADVISORY_DB_ARCHIVE) has no crates/"; rm -rf "$$tmp"; exit 1; }; \
		when=$$(stat -c %Y "$$tmp/crates"); have=$$(git -C '$(ADVISORY_DB)' log -1 --format=%ct 2>/dev/null || echo 0); \
		if [ "$$when" -gt "$$have" ]; then \
			commit=$$(xz -dc '$(ADVISORY_DB_ARCHIVE)' | git get-tar-commit-id); \
			git -C "$$tmp" init -q -b main && git -C "$$tmp" add -A && \
			GIT_AUTHOR_DATE=@$$when GIT_COMMITTER_DATE=@$$when git -C "$$tmp" -c user.name=advisory-db -c user.email=advisory-db@localhost \
				commit -q -m "snapshot of $$commit from $(ADVISORY_DB_ARCHIVE)" && \
			git -C "$$tmp" remote add origin $(ADVISORY_DB_URL) && touch -d @$$when "$$tmp/.git/HEAD" && \
			rm -rf '$(ADVISORY_DB)' && mv "$$tmp" '$(ADVISORY_DB)' || exit 1; \
			echo "advisory-db: unpacked the snapshot $(ADVISORY_DB_ARCHIVE) ($$commit)"; \
		else rm -rf "$$tmp"; fi; \
	fi

# `cargo deny check`, offline, on the database above: it fails on an advisory (vulnerability,
# unmaintained, unsound, yanked) for any crate in Cargo.lock, a denied crate, a license not in
# deny.toml's list, a source other than crates.io, or a database older than deny.toml's
# maximum-db-staleness. Without any database (a new machine with no network to GitHub and no
# snapshot), the advisories check is reported NOT RUN, CI included, and the other three run:
# the database is not a service a test can start, and failing would stop every CI run there.
# Graphs: `cargo deny check` by hand.
supply-chain: advisory-db
	@cargo fetch --locked --quiet
	@if [ -d '$(ADVISORY_DB)/crates' ]; then \
		git -C '$(ADVISORY_DB)' log -1 --format='%ct %cs %s' | { read -r ct day subject; \
			echo "supply-chain: RustSec advisory-db of $$day, $$(( ($$(date +%s) - ct) / 86400 )) days old ($$subject)"; }; \
		cargo deny --offline --locked check --hide-inclusion-graph; \
	else \
		echo "supply-chain: advisories NOT RUN: no RustSec advisory database (make deny-update, or ADVISORY_DB_ARCHIVE=file; README, \"Supply chain\")"; \
		cargo deny --offline --locked check --hide-inclusion-graph bans licenses sources; \
	fi

# Refreshes the advisory database from its git repository (needs the network).
deny-update: cargo-deny
	cargo deny fetch db
	@git -C '$(ADVISORY_DB)' log -1 --format='advisory-db: %H of %cI'

# Writes ADVISORY_DB_ARCHIVE, the snapshot for machines without the network, from a git
# checkout of the database: ADVISORY_DB_GIT, by default the one above.
ADVISORY_DB_GIT ?= $(ADVISORY_DB)
advisory-db-archive:
	mkdir -p "$$(dirname '$(ADVISORY_DB_ARCHIVE)')"
	git -C '$(ADVISORY_DB_GIT)' archive --format=tar HEAD crates LICENSE.txt LICENSES | xz -9e > '$(ADVISORY_DB_ARCHIVE)'
	@git -C '$(ADVISORY_DB_GIT)' log -1 --format='$(ADVISORY_DB_ARCHIVE): RustSec advisory-db %H of %cI'

# --- Benchmark (issue: measured speed) ---------------------------------------------------
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
BENCH_ADMIN_URL ?= postgres://postgres@127.0.0.1:5432/postgres
# Loopback: no TLS (the report also prints what TLS adds to a connect).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/v3_bench?sslmode=disable
BENCH_ROWS ?= 1000000
BENCH_SCALE_LABEL ?= 1M
BENCH_INVOCATIONS ?= 1000
ROWS ?= 1000000

dataset: toolchain
	cargo build --release --quiet -p bench --bin dataset
	DATABASE_URL='$(DATABASE_URL)' ROWS='$(ROWS)' $(TARGET_DIR)/release/dataset

bench: toolchain
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
bench-import: toolchain
	bash bench/import.sh

# What AWS mode (verify-full TLS, the secret, IAM tokens) costs a cold start: starts a TLS
# PostgreSQL and moto of its own.
bench-aws-mode: toolchain
	bash bench/aws-mode.sh

# The Lambda artifacts: one arm64 bootstrap.zip per function (cross-compiled with zig from
# PyPI's ziglang, which the cargo-lambda package brings). Slow: one fat-LTO link per function.
# Every crate under functions/ is one function.
LAMBDA_BINARIES := $(foreach f,$(notdir $(wildcard functions/*)),--bin $(f))
zips: toolchain cargo-lambda
	cargo lambda build --release --arm64 --output-format zip $(LAMBDA_BINARIES)
	@for zip in $(TARGET_DIR)/lambda/*/bootstrap.zip; do printf '%-28s %s bytes\n' "$$(basename $$(dirname $$zip))" "$$(stat -c %s $$zip)"; done

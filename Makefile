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

.PHONY: help run serve test seed unit-and-contract smoke fmt lint cargo-lambda

help:
	@echo "make run    - serve every /v3 route at http://localhost:9000 on the embedded SQLite database"
	@echo "make test   - unit, contract (SQLite; PostgreSQL when TEST_DATABASE_URL is set) and emulator tests"
	@echo "make seed   - migrate DATABASE_URL (either engine) and load the demo rows; safe to rerun"
	@echo "make serve  - every route from one process (release build) at http://localhost:8080 (PORT)"

serve:
	@DATABASE_URL='$(DATABASE_URL)' cargo run --quiet -p shared --bin seed
	DATABASE_URL='$(DATABASE_URL)' cargo run --release -p shared --bin serve

run: cargo-lambda
	@DATABASE_URL=$(LOCAL_DATABASE_URL) cargo run --quiet -p shared --bin seed
	cargo lambda watch

seed:
	@DATABASE_URL='$(DATABASE_URL)' cargo run --quiet -p shared --bin seed

test: fmt unit-and-contract smoke

unit-and-contract:
	cargo test --workspace --locked

smoke: cargo-lambda
	bash tests/smoke/watch.sh
	bash tests/smoke/serve.sh

fmt:
	cargo fmt --all -- --check

lint:
	cargo clippy --workspace --all-targets --locked -- -D warnings

# Installs cargo-lambda from PyPI when it is missing or older than CARGO_LAMBDA_MIN.
cargo-lambda:
	@have=$$(cargo lambda -V 2>&1 | grep -o '^cargo-lambda [0-9.]*' | awk '{print $$2}'); \
	if [ -z "$$have" ] || [ "$$(printf '%s\n' "$(CARGO_LAMBDA_MIN)" "$$have" | sort -V | head -n1)" != "$(CARGO_LAMBDA_MIN)" ]; then \
		echo "installing cargo-lambda >= $(CARGO_LAMBDA_MIN) from PyPI (found: $${have:-none})"; \
		python3 -m pip install --quiet --disable-pip-version-check 'cargo-lambda>=$(CARGO_LAMBDA_MIN)' || exit 1; \
		hash -r; \
		command -v cargo-lambda >/dev/null || { echo "cargo-lambda installed but not on PATH: add Python's script folder to PATH"; exit 1; }; \
	fi

# The two commands: `make run` opens Vireo, `make test` runs every test tier.
# Both install what is missing first (scripts/setup.sh) and are quick the second time.
SHELL := /bin/bash
APP := target/release/vireo-app

.PHONY: run test check fmt bench app ui cli clean

run:
	@scripts/setup.sh run
	@scripts/run-app.sh $(APP)

test:
	@scripts/setup.sh test
	@python3 tests/run_all.py

# The quick loop while working (under 2 minutes warm): formatting, lints, type checks and unit
# tests; no libvirtd, no VMs, no window. `make test` once first: it installs the tools.
check:
	@test -x target/e2e-venv/bin/ruff && test -d ui/node_modules || \
		{ echo "make check: run 'make test' once first (it installs the tools)"; exit 1; }
	@cargo fmt --all -- --check
	@test -d ui/dist || (cd ui && npm run --silent build)
	@cargo clippy --workspace --all-targets --quiet -- -D warnings
	@cd ui && npm run --silent lint && npm run --silent typecheck && npx vitest run --silent
	@target/e2e-venv/bin/ruff check tests
	@cargo test --workspace --exclude vireo-app --lib --bins --quiet
	@echo "make check: all passed"

# Rewrites what the formatters and import sorters own: Rust, the UI, the Python tests.
fmt:
	@cargo fmt --all
	@cd ui && npm run --silent format
	@test ! -x target/e2e-venv/bin/ruff || target/e2e-venv/bin/ruff check --fix --select I tests

bench:
	@scripts/setup.sh bench
	@$(MAKE) --no-print-directory app
	@cargo build --release -p vireo-cli --quiet
	@cargo build --release -p vireo-vnc --example count_updates --quiet
	@PYTHONPATH=$(CURDIR)/tests target/e2e-venv/bin/python -m bench

ui:
	@cd ui && npm run --silent build

# custom-protocol embeds ui/dist in the binary (without it the app loads the Vite dev server).
app: ui
	@cargo build --release -p vireo-app --features custom-protocol

cli:
	@cargo build --release -p vireo-cli

clean:
	cargo clean
	rm -rf ui/dist ui/node_modules

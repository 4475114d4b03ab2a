# The two commands: `make run` opens Vireo, `make test` runs every test tier.
# Both install what is missing first (scripts/setup.sh) and are quick the second time.
SHELL := /bin/bash
APP := target/release/vireo-app

.PHONY: run test bench app ui cli clean

run:
	@scripts/setup.sh run
	@scripts/run-app.sh $(APP)

test:
	@scripts/setup.sh test
	@python3 tests/run_all.py

bench:
	@scripts/setup.sh bench
	@$(MAKE) --no-print-directory app
	@cargo build --release -p vireo-cli --quiet
	@cargo build --release -p vireo-vnc --example count_updates --quiet
	@target/e2e-venv/bin/python tests/bench.py

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

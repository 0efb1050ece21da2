# The two commands of the README. `make install` is the installing part of both.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WEB_DEPS := web/node_modules/.installed
WEB_BUILD := web/dist/index.html
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/package-lock.json

.PHONY: install install-server browser run test lint typecheck unit calls web-check bench bench-web bench-search bench-chatlist bench-connections bench-calls schema clean

install: install-server browser

# What production needs: the server and the built client (no test browser).
install-server: $(STAMP) $(WEB_BUILD)

# Debian's Chromium for tests/e2e (and coturn, nginx, Redis, podman, Janus for the other
# test parts); the script does nothing once they are installed.
browser:
	sh scripts/install-browser.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The web client: built once into web/dist, which the Python server serves (no Node
# process in production). `npm ci` installs exactly the committed lock and never rewrites
# it, so a fresh clone stays clean. (sass, not sass-embedded: npm 11 leaves the latter's
# optional platform packages out of the lock, and `npm ci` then refuses it.)
$(WEB_DEPS): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $(WEB_DEPS)

$(WEB_BUILD): $(WEB_DEPS) $(WEB_SOURCES)
	cd web && npm run --silent build

run: install
	# The API reference (/docs, /openapi.json) is for local development: off by default.
	SHOMIK_API_DOCS=true $(BIN)/shomik serve --host 127.0.0.1 --port 8000 --data-dir ./data

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: install
	$(BIN)/mypy

# The 25 slowest tests close the output: where CI's time goes.
unit: install
	$(BIN)/pytest -q -ra --durations=25

# Real calls between browsers (tests/e2e/calls), alone in a loopback-only network namespace
# (root or user namespaces needed; a failing unshare fails the target, never skips it): there
# Chromium gathers candidates on loopback only, next to the tests' own server and coturn.
calls: install
	unshare -n sh -c 'ip link set lo up && SHOMIK_CALL_TESTS=1 exec $(BIN)/pytest -q -ra tests/e2e/calls'

# The client's own checks: generated types fresh, vue-tsc, eslint, vitest.
web-check: $(WEB_DEPS)
	cd web && npm run --silent gen:check
	cd web && npm run --silent typecheck
	cd web && npm run --silent lint
	cd web && npm run --silent test

test: lint typecheck web-check unit calls

# Search, around= and history on 1,000,000 messages, SQLite then PostgreSQL (docs/benchmarks.md).
bench-search: install
	$(BIN)/python -m benchmarks.search

# The chat list's first page for a user in 1,000 groups of 1,000 members, SQLite then
# PostgreSQL (docs/benchmarks.md "Chat list at scale").
bench-chatlist: install
	$(BIN)/python -m benchmarks.chatlist

schema: install
	$(BIN)/shomik schema --out schema
	cd web && npm run --silent gen

bench: install
	$(BIN)/python -m benchmarks.run

# Idle memory per socket at 1,000-10,000 connections, and a 5,000-client reconnect storm
# with resume (docs/benchmarks.md).
bench-connections: install
	$(BIN)/python -m benchmarks.connections

# Group video calls through Janus against the mesh: Janus's CPU per forwarded stream, each
# browser's CPU and uplink at 3-5 people (docs/benchmarks.md). In a loopback-only network
# namespace, as `make calls`.
bench-calls: install
	unshare -n sh -c 'ip link set lo up && exec $(BIN)/python -m benchmarks.calls_sfu'

# The web client's budget: initial JavaScript, a 10,000-message chat (docs/benchmarks.md).
bench-web: install
	cd web && node scripts/bundle-size.mjs
	$(BIN)/python -m benchmarks.web_client

clean:
	rm -rf $(VENV) build .mypy_cache .ruff_cache .pytest_cache web/node_modules web/dist

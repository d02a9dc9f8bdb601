# One command each: `make demo` renders the bundled sample, `make test` runs the tests.
# Both create .venv and install panelcast with pip on first use (no root, no apt). The editable
# install is a plain path entry (editable_mode=compat): setuptools' default import hook costs every
# command about 9 ms of start-up.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: setup demo test bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,piper]' --config-settings editable_mode=compat
	touch $@

demo: setup
	$(BIN)/panelcast render examples/sample.txt -o output/sample.mp3

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) output/*.mp3 output/*.vtt output/*.srt output/*.json

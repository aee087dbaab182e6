# Set-up and main jobs of mmrtseg. Every target installs what is missing first
# (tools/install.sh is idempotent and caches the compiled mmcv wheel).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export PYTHONUNBUFFERED := 1

.PHONY: install demo test clean-env

install:
	PYTHON=$(PYTHON) VENV=$(VENV) bash tools/install.sh

demo: install
	$(PY) demo/train_and_test_demo.py

test: install
	$(PY) -m pytest tests -v -ra --durations=15

clean-env:
	rm -rf $(VENV)

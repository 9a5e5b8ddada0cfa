# Two commands on a machine with only Python 3.11+: `make demo` and `make test`.
# Both create .venv and install the project (editable, with its dev and plots extras) when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: test demo bench mutate lint clean generate pictures

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,plots]'
	touch $(INSTALLED)

test: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

demo: $(INSTALLED)
	$(BIN)/python demos/xor.py

bench: $(INSTALLED)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(BIN)/python benchmarks/run.py

# The pictures in docs/: the graphs, each drawn from one backward pass that its caption
# names, and the cost plot of demos/why_backwards.py (forward against reverse mode).
pictures: $(INSTALLED)
	$(BIN)/python demos/chain_rule.py --update-docs --out out/chain_rule
	DEMO_OUT=docs $(BIN)/python demos/why_backwards.py

mutate: $(INSTALLED)
	$(BIN)/python tests/mutate.py

# Write autodiff/core/operators.py from the op table (autodiff/core/ops.py). The generator
# (tools/, not shipped) loads the table without running autodiff/__init__.py, so it works
# while the generated file is stale.
generate: $(INSTALLED)
	$(BIN)/python tools/engine_source.py

lint: $(INSTALLED)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info

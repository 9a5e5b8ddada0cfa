# Two commands on a machine with only Python 3.11+: `make demo` and `make test`.
# Both create .venv and install the project (editable, with its dev, plots and docs extras) when
# needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: test demo bench mutate lint clean generate pictures docs dist playground

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,plots,docs]'
	touch $(INSTALLED)

test: $(INSTALLED)
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(PLAYGROUND_NPM); fi
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

# The playground (playground/): a static folder, site/playground/, that runs the project in
# the browser with nothing to install. The npm packages (Pyodide, Graphviz in WebAssembly)
# are pinned by playground/package-lock.json; the pure-Python wheels by its requirements.txt.
PLAYGROUND_NPM := playground/node_modules/.package-lock.json

$(PLAYGROUND_NPM): playground/package.json playground/package-lock.json
	cd playground && npm ci --no-audit --no-fund
	touch $(PLAYGROUND_NPM)

playground: $(INSTALLED) $(PLAYGROUND_NPM)
	$(BIN)/python playground/build.py site/playground

mutate: $(INSTALLED)
	$(BIN)/python tests/mutate.py

# Write autodiff/core/operators.py from the op table (autodiff/core/ops.py). The generator
# (tools/, not shipped) loads the table without running autodiff/__init__.py, so it works
# while the generated file is stale.
generate: $(INSTALLED)
	$(BIN)/python tools/engine_source.py

# The documentation site (docs/, mkdocs.yml) built into site/; --strict turns every warning
# (a broken link, a missing reference) into a failure. Static files with relative links.
# The playground is built into it when npm is there (mkdocs build empties site/ first).
docs: $(INSTALLED)
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict --quiet
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory playground; \
	else echo "npm not found: site/playground/ not built (make playground needs Node and npm)"; fi

# Wheel and sdist, twine check, and the wheel installed and run outside the repository.
dist: $(INSTALLED)
	$(BIN)/python tools/check_dist.py

lint: $(INSTALLED)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build dist site *.egg-info

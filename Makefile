# Fluide — every target does its own set-up on a fresh machine (Python 3.11+, pip, make).
# Dependencies are pinned with hashes in uv.lock; uv itself is bootstrapped from PyPI.

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
OUT := out

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_NO_PROGRESS := 1

.PHONY: install demo test lint docs bench bench-cli bench-ingest i18n lock clean

$(UV):
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(TOOLS) uv==$(UV_VERSION)

# --compile-bytecode: imports read ready .pyc files even where PYTHONDONTWRITEBYTECODE
# is set (scikit-learn alone takes seconds to compile at every start otherwise).
$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	$(BIN)/python -m compileall -q src/fluide  # the editable package too: every start reads .pyc
	@touch $@

## install: create .venv with Fluide and its dev tools, exactly as locked
install: $(VENV)/.installed

## demo: the collection service on SQLite (out/demo), with 12 weeks of demo data; prints the URL,
## key and logins. PORT= and HOST= choose where it listens (default 127.0.0.1:8000).
demo: install
	$(BIN)/fluide demo $(if $(PORT),--port $(PORT)) $(if $(HOST),--host $(HOST))

## test: the whole test suite, in parallel: one pytest-xdist worker per core (TEST_WORKERS=1
## for a serial run); a test file stays on one worker, so its module fixtures are built once
TEST_WORKERS ?= auto
test: install
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

## lint: ruff and mypy (strict) on the package, ruff on tests and scripts, and the layer
## contracts of pyproject.toml ([tool.importlinter]; see docs/development.md)
lint: install
	$(BIN)/ruff check src tests bench examples
	$(BIN)/mypy
	$(BIN)/lint-imports

## docs: the documentation site (mkdocs.yml, docs/) in out/site; any warning fails
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

## bench: 1 000 000 answers, Fluide vs pandas vs the DuckDB floor (see bench/README.md)
bench: install
	$(BIN)/python bench/run.py

## bench-cli: every --help and `fluide analyze` (1M rows) as whole processes, vs a DuckDB script
bench-cli: install
	$(BIN)/python bench/cli_startup.py

## bench-ingest: events under load (wrk), Fluide vs a bare FastAPI app, PostgreSQL and SQLite
## (see bench/README.md); options through ARGS, e.g. make bench-ingest ARGS="--quick --profile"
bench-ingest: install
	$(BIN)/python bench/ingest.py $(ARGS)

## i18n: refresh the French catalogue from the source (then translate the new entries)
i18n: install
	$(BIN)/pybabel extract -F babel.cfg -o $(TOOLS)/fluide.pot --no-location --sort-output .
	$(BIN)/pybabel update -i $(TOOLS)/fluide.pot -d src/fluide/locale -D fluide --no-fuzzy-matching

## lock: re-resolve dependencies after editing pyproject.toml
lock: | $(UV)
	$(UV) lock --python $(PYTHON)

clean:
	rm -rf $(VENV) $(TOOLS) $(OUT) .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache .grimp_cache

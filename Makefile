# The two commands of the quick start: `make run` and `make test`. Each sets everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install bytecode migrate run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# uv installs what pip would, from the same registry, resolving and unpacking in parallel and
	# compiling the bytecode on both cores: a fresh set-up in ~15 s where pip took ~45 s. Plain pip
	# is the fallback where uv cannot be had.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check 'uv>=0.9,<1' \
	  && $(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode -e '.[dev]' \
	  || $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	# matplotlib builds its font cache on first import: at install, not at the first chart export.
	$(BIN)/python -c "import matplotlib.font_manager"
	$(MAKE) bytecode
	touch $(STAMP)

# The project's own modules as bytecode, written here: with PYTHONDONTWRITEBYTECODE (set in the
# image, and in some shells) Python would otherwise compile all of them again at every start,
# a fifth of the start-up. Stale files are only recompiled in memory, so this never misleads.
bytecode:
	$(BIN)/python -m compileall -q bot handlers models migrations

install: $(STAMP)

migrate: install
	$(BIN)/thidua migrate

run: migrate bytecode
	$(BIN)/thidua run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# One pytest worker per core (pytest-xdist), and one for the tests that mostly wait. Work goes out
# heaviest first, most tests one by one, the modules with costly module fixtures (a LibreOffice
# conversion, a browser) each on one worker: tests/conftest.py says which. A bare `pytest FILE`
# runs in one process as ever.
test: migrate bytecode lint
	$(BIN)/thidua check
	$(BIN)/pytest -n auto --dist loadgroup --no-loadscope-reorder

bench: migrate bytecode
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data/*.sqlite3* tests/artifacts .pytest_cache

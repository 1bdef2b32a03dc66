# The two set-up commands are `make demo` and `make test`; everything else is what they need.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export MATCHMAKER_HOME ?= $(CURDIR)/instance
MODEL_DIR := $(MATCHMAKER_HOME)/models/multilingual-e5-small

.PHONY: demo test install model chromium screenshots lint clean

## demo: install, prepare the model, load demo data and serve on http://127.0.0.1:5000
demo: model
	$(BIN)/matchmaker db upgrade
	$(BIN)/matchmaker load-demo
	$(BIN)/matchmaker serve --host 127.0.0.1 --port 5000

## test: install, prepare the model and run the whole test suite (browser tests use Debian's Chromium)
test: model chromium
	MATCHMAKER_TEST_MODEL_DIR=$(MODEL_DIR) $(BIN)/python -m pytest $(PYTEST_ARGS)

# The browser tests drive Debian's Chromium through Playwright (never a downloaded browser);
# a CJK font and Chromium's language packs make their screenshots show Chinese text and dates.
chromium:
	@{ command -v chromium && fc-list | grep -qi wqy; } >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium chromium-l10n fonts-wqy-microhei; }

## screenshots: refresh docs/screenshots/ from the browser tests' last run
screenshots:
	mkdir -p docs/screenshots && cp test-artifacts/screenshots/*.png docs/screenshots/

install: $(VENV)/.installed

# torch comes first, pinned: it takes the CPU wheel on disk instead of a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

model: install
	$(BIN)/matchmaker models prepare

lint: install
	$(BIN)/ruff check matchmaker tests benchmarks scripts

clean:
	rm -rf $(VENV) build *.egg-info

# The two set-up commands are `make demo` and `make test`; everything else is what they need.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export MATCHMAKER_HOME ?= $(CURDIR)/instance
MODEL_DIR := $(MATCHMAKER_HOME)/models/multilingual-e5-small
# Downloads kept between runs, outside the tracked files.
CACHE := $(CURDIR)/.cache
# The official minimal server distributions from Maven Central, newest of each major served:
# 8.x runs on Java 17, 9.x on Java 21+ (tests/servers.py picks a JDK from /usr/lib/jvm).
ELASTICSEARCH_VERSIONS ?= 8.19.21 9.2.8
ELASTICSEARCH_HOMES := $(ELASTICSEARCH_VERSIONS:%=$(CACHE)/elasticsearch/elasticsearch-%)

.PHONY: demo demo-elasticsearch test install model test-services test-packages elasticsearch chromium screenshots lint clean

## demo: install, prepare the model, load demo data and serve on http://127.0.0.1:5000 (needs only Python)
demo: model
	$(BIN)/matchmaker db upgrade
	$(BIN)/matchmaker load-demo
	$(BIN)/matchmaker serve --host 127.0.0.1 --port 5000

## demo-elasticsearch: the same demo with its search on a local single-node Elasticsearch (the cached
## test distribution, Java 17; docs/ELASTICSEARCH.md). Ctrl-C stops both.
demo-elasticsearch: model elasticsearch
	$(BIN)/python scripts/demo_elasticsearch.py

## test: install, prepare the model, fetch what the suite's servers need, and run the whole suite.
## The suite starts PostgreSQL, Redis and Elasticsearch itself (tests/servers.py) and stops them at the end.
test: model test-services
	MATCHMAKER_TEST_MODEL_DIR=$(MODEL_DIR) MATCHMAKER_TEST_ELASTICSEARCH_HOMES="$(ELASTICSEARCH_HOMES)" \
	  $(BIN)/python -m pytest $(PYTEST_ARGS)

test-services: test-packages elasticsearch

# Chromium, PostgreSQL, Redis and unzip from Debian's packages, when missing (sudo when not root).
test-packages:
	@scripts/install-test-packages.sh

# Skipped when the tests are pointed at a running cluster.
ifeq ($(MATCHMAKER_TEST_ELASTICSEARCH_URL),)
elasticsearch: $(ELASTICSEARCH_HOMES:%=%/bin/elasticsearch)
else
elasticsearch:
endif

$(CACHE)/elasticsearch/elasticsearch-%/bin/elasticsearch:
	mvn -q -B dependency:copy -Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:$*:zip \
	  -DoutputDirectory=$(CACHE)/elasticsearch
	cd $(CACHE)/elasticsearch && rm -rf elasticsearch-$* && unzip -q elasticsearch-$*.zip && rm elasticsearch-$*.zip
	touch $@

chromium: test-packages

## screenshots: refresh docs/screenshots/ from the browser tests' last run
screenshots:
	mkdir -p docs/screenshots && cp test-artifacts/screenshots/*.png docs/screenshots/

install: $(VENV)/.installed

# torch comes from PyPI as the CUDA build (about 4.6 GB installed); it runs on the CPU. It is pinned in
# pyproject.toml, so it is downloaded once per venv.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

model: install
	$(BIN)/matchmaker models prepare

## lint: ruff's checks and its formatter (`ruff format matchmaker tests benchmarks scripts` applies it)
lint: install
	$(BIN)/ruff check matchmaker tests benchmarks scripts
	$(BIN)/ruff format --check matchmaker tests benchmarks scripts

clean:
	rm -rf $(VENV) build *.egg-info

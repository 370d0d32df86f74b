# Pace: `make run` (set up, train if needed, serve) and `make test` (every check).
# Each target does its own set-up, so any of them works on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

RASA_PORT ?= 5005
ACTION_SERVER_PORT ?= 5055
WEB_PORT ?= 8080
PACE_DB ?= $(CURDIR)/var/conversations.db
export RASA_PORT ACTION_SERVER_PORT WEB_PORT PACE_DB

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
SPACY_MODEL := build/spacy/pace_en
MODEL := models/pace.tar.gz
WEBCHAT := web/node_modules/rasa-webchat/lib/index.js

# quiet, offline, reproducible
export TF_CPP_MIN_LOG_LEVEL := 3
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1

# (data/safety/ holds the safety layer's labelled cases, which its report model learns from)
NLU_DATA := $(shell find data -name '*.yml' 2>/dev/null)
# the safety layer's report model reads what the rules read, so their files train it too
SAFETY_RULES := content/symptom_patterns.yml content/context_rules.yml
# (of Pace's own components, the featurizer, the two classifiers and the safety layer are trained,
# with what they share and the way models are kept: changing the code of the others needs a
# restart only)
TRAINED_COMPONENTS := components/base.py components/linear.py components/sentence_counts.py components/intent_classifier.py components/answer_selector.py \
	components/symptom_detector.py components/report_model.py components/symptom_rules.py components/weight_change.py components/yaml_files.py
MODEL_INPUTS := config.yml domain.yml $(NLU_DATA) $(SAFETY_RULES) $(SPACY_MODEL)/meta.json $(TRAINED_COMPONENTS)

.PHONY: help install spacy web-deps browser-deps train run test check validate lint unit conversations \
	stack scale scale-deps bench eval eval-nlu report shell clean lock forget reliability

help:
	@echo "make run     set up, train if anything changed, serve (REST :$(RASA_PORT), actions :$(ACTION_SERVER_PORT))"
	@echo "make test    set up and run every check (lint, content, pytest, validate, train, conversation tests)"
	@echo "make check   check the content files in seconds (for content editors)"
	@echo "make bench   start-up, reply latency and memory, written to bench/RESULTS.md"
	@echo "make eval    play ../shared/eval and the blind sets against a running Pace (start it with make run)"
	@echo "make eval-nlu  cross-validation of the examples, per answer: reports/nlu/index.html"
	@echo "make report    what people asked Pace, where it fell back, escalations: reports/index.html"
	@echo "make shell   chat in the terminal"
	@echo "make reliability  the failure battery, written to bench/RELIABILITY.md"
	@echo "make forget SENDER=...  erase one person's conversation"
	@echo "make unit    fast tests, no model; make stack: tests against the running assistant"

# ---- set-up -------------------------------------------------------------------------------
$(VENV)/.installed: requirements.txt constraints.txt
	@python=$$(scripts/find_python310) || exit 1; \
	  [ -x $(PY) ] || "$$python" -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $@

install: $(VENV)/.installed

$(SPACY_MODEL)/meta.json: $(VENV)/.installed scripts/build_spacy.py scripts/check_safety_files.py content/spelling.yml
	$(PY) scripts/build_spacy.py $(SPACY_MODEL)

spacy: $(SPACY_MODEL)/meta.json

# rasa-webchat for the demo page, exactly as locked in web/package-lock.json
$(WEBCHAT): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web-deps: $(WEBCHAT)

# Debian's chromium for the browser tests (Playwright drives it; it downloads no browser itself)
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Trains only when the data, config, domain or spaCy pipeline changed since the last model.
$(MODEL): $(MODEL_INPUTS)
	$(RASA) train --fixed-model-name pace --out models --quiet
	touch $@

train: $(MODEL)

run: $(MODEL) $(WEBCHAT)
	scripts/serve.sh

shell: $(MODEL)
	@mkdir -p var; export PACE_ACTION_TOKEN=$$($(PY) -c 'import secrets; print(secrets.token_hex(24))'); \
	  $(PY) scripts/action_server.py --port $(ACTION_SERVER_PORT) & \
	  trap "kill $$!" EXIT; $(PY) scripts/rasa_server.py shell --model $(MODEL) --endpoints endpoints.yml

# ---- checks -------------------------------------------------------------------------------
lint: install
	$(VENV)/bin/ruff check actions channels components scripts tests
	$(VENV)/bin/ruff format --check actions channels components scripts tests

check: install
	$(PY) scripts/check_content.py

validate: install
	$(PY) scripts/validate.py

unit: spacy $(WEBCHAT)
	$(VENV)/bin/pytest -q -m "not stack and not scale"

conversations: $(MODEL)
	$(RASA) test core --model $(MODEL) --stories tests/ --fail-on-prediction-errors \
	  --out results/conversations --no-plot

# Rasa, the action server and the demo page on free loopback ports; REST, socket.io and a browser
stack: $(MODEL) $(WEBCHAT) browser-deps
	$(VENV)/bin/pytest -q -m stack

# several Pace instances behind HAProxy on throwaway PostgreSQL and Redis (tests/test_scale.py)
scale: $(MODEL) install scale-deps
	$(VENV)/bin/pytest -q -m scale

scale-deps:
	@for tool in /usr/lib/postgresql/*/bin/pg_ctl redis-server haproxy; do \
	  command -v $$tool >/dev/null 2>&1 || { missing=1; }; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian's postgresql, redis-server and haproxy for the scale-out tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server haproxy >/dev/null; \
	  for service in postgresql redis-server haproxy; do service $$service stop >/dev/null 2>&1 || true; done; fi

# the failure battery (bad inputs, shortcuts, stall, servers killed and hung, replays) against a
# supervised Pace it starts itself; figures in bench/RELIABILITY.md
reliability: $(MODEL) install
	$(PY) scripts/reliability.py

test: lint check validate unit $(MODEL) conversations stack scale reliability

bench: $(MODEL) scale-deps
	$(PY) scripts/bench.py
	$(PY) scripts/bench_scale.py

eval: install
	$(PY) scripts/eval.py --url http://localhost:$(RASA_PORT)/webhooks/rest/webhook $(ARGS)

# what people asked the running Pace, for the content team: reports/index.html (seconds)
report: install
	$(PY) scripts/report.py $(ARGS)

# cross-validation of the training examples, as a page: reports/nlu/index.html (about 8 minutes here)
eval-nlu: $(SPACY_MODEL)/meta.json
	$(PY) scripts/eval_nlu.py $(ARGS)

# erases one person's conversation: make forget SENDER=twilio:+15551234567
forget: install
	@[ -n "$(SENDER)" ] || { echo "make forget SENDER=<conversation id>, e.g. SENDER=telegram:123456"; exit 2; }
	$(PY) scripts/forget.py --sender "$(SENDER)"

lock: install
	$(VENV)/bin/pip freeze --exclude-editable > constraints.txt

clean:
	rm -rf build models/*.tar.gz results .pytest_cache

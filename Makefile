# Two commands on a fresh machine: `make run` and `make test`. Everything they need is bootstrapped
# here: system packages (Debian), the virtualenv (PyPI), LanguageTool's jars (Maven Central) and
# the converted model cache. Each step leaves a stamp, so a warm `make test` only runs the tests.

PYTHON      ?= python3.11
VENV        := .venv
BIN         := $(VENV)/bin
MTFIX_CACHE ?= $(HOME)/.cache/mtfix
LT_VERSION  := $(shell sed -n 's:.*<languagetool.version>\(.*\)</languagetool.version>.*:\1:p' languagetool/pom.xml)
LT_STAMP    := $(MTFIX_CACHE)/languagetool/$(LT_VERSION)/.complete
VENV_STAMP  := $(VENV)/.installed
MODEL_STAMP := $(MTFIX_CACHE)/models/.backbone-ready
LLAMA_VERSION := $(shell sed -n 's/.*"llama-cpp-python==\([^"]*\)".*/\1/p' pyproject.toml)
LLAMA_SDIST := $(MTFIX_CACHE)/llamacpp/llama_cpp_python-$(LLAMA_VERSION).tar.gz
SEED        := corpora/geneva-summit-mt.txt
PYTEST_ARGS ?=

export MTFIX_CACHE
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test bootstrap system-deps venv languagetool languagetool-cds model-cache lint bench \
	eval ci-eval install-check clean-cache screenshots

run: bootstrap
	$(BIN)/mtfix clean $(SEED)

test: bootstrap
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bootstrap: system-deps venv languagetool languagetool-cds model-cache

# Java and Maven ship with this machine image; Chromium (for the HTML report screenshot test and
# the review page's browser test, which Playwright drives) does not. Install only what is
# missing, so a warm machine never waits for apt.
system-deps:
	@missing=""; \
	command -v java >/dev/null || missing="$$missing openjdk-17-jre-headless"; \
	command -v mvn >/dev/null || missing="$$missing maven"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

venv: $(VENV_STAMP)
$(VENV_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

languagetool: $(LT_STAMP)
$(LT_STAMP): languagetool/pom.xml
	mvn -q -B -f languagetool/pom.xml dependency:copy-dependencies \
	  -DoutputDirectory=$(MTFIX_CACHE)/languagetool/$(LT_VERSION)/lib
	touch $@

# The class-data (AppCDS) archive of LanguageTool's classes, for a faster JVM start: built once
# per JDK and jar set (a few seconds' check when it exists).
languagetool-cds: $(LT_STAMP) $(VENV_STAMP)
	$(BIN)/python -m mtfix.languagetool.cds

# The backbone, then the shipped adapter merged and converted for the fast backends (each cached
# by its inputs' digest; a retrained adapter is converted again on first use). llama.cpp's GGUF
# converter ships only in llama-cpp-python's sdist, which is kept for those later conversions.
model-cache: $(MODEL_STAMP)
$(MODEL_STAMP): $(VENV_STAMP) $(LLAMA_SDIST)
	$(BIN)/python -m mtfix.model.backbone
	$(BIN)/python -m mtfix.model.ctranslate2_backend
	$(BIN)/python -m mtfix.model.llamacpp_backend
	mkdir -p $(dir $@) && touch $@

$(LLAMA_SDIST): | $(VENV_STAMP)
	$(BIN)/pip download -q --no-binary :all: --no-deps -d $(dir $@) llama-cpp-python==$(LLAMA_VERSION)

lint: venv
	$(BIN)/ruff check mtfix tests
	$(BIN)/ruff format --check mtfix tests
	$(BIN)/mypy

bench: bootstrap
	$(BIN)/python -m mtfix.lab.bench.check
	$(BIN)/python -m mtfix.lab.bench.model
	$(BIN)/python -m mtfix.lab.bench.llamacpp
	$(BIN)/python -m mtfix.lab.bench.commands
	$(BIN)/python -m mtfix.lab.bench.batch
	$(BIN)/python -m mtfix.lab.bench.serve
	$(BIN)/python -m mtfix.lab.bench.soak
	$(BIN)/python -m mtfix.lab.bench.large
	$(BIN)/python -m mtfix.lab.devcheck --compare-backends

# The README's picture of the review page, taken by its browser test (Debian's Chromium).
screenshots: bootstrap
	mkdir -p eval/screenshots
	MTFIX_SCREENSHOTS=eval/screenshots $(BIN)/python -m pytest tests/serve/test_page.py -q

# Every suite on the MT alone, then the suites with a source (MLQE-PE) with it beside the MT;
# the baseline gates both (SYSTEM and SYSTEM+source).
eval: bootstrap
	$(BIN)/mtfix eval all --report eval/reports/latest.md --check-baseline eval/baseline.json
	$(BIN)/mtfix eval all --with-source --report eval/reports/latest-with-source.md \
	  --check-baseline eval/baseline.json

# What CI publishes: the rules system on every suite (MLQE-PE dev sampled), gated by the baseline,
# with Markdown and JUnit reports under reports/.
CI_SAMPLE ?= 200
ci-eval: bootstrap
	mkdir -p reports
	$(BIN)/mtfix eval all --system rules --sample $(CI_SAMPLE) --report reports/eval.md \
	  --report reports/eval.xml --check-baseline eval/baseline.json

# The base install (no extras) checks and cleans with the rules; the model extra adds the
# rewriter. Both proved in a fresh virtualenv from a built wheel, run outside the checkout.
install-check: bootstrap
	.ci/install-check

clean-cache:
	rm -rf $(MTFIX_CACHE)

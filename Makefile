# The two commands a newcomer needs:  make run   and   make test
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
INDEX_DIR ?= $(or $(TOOLKIT_INDEX_DIR),instance/index)
DOCS_DIR ?= $(or $(TOOLKIT_DOCS_DIR),docs_src)

.PHONY: setup index run test test-fast lint format bench-build bench-encoder bench-serve docs crisis-model clean

$(STAMP): requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run 'make PYTHON=python3 ...'"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)  ## create .venv and install the pinned requirements

$(INDEX_DIR)/manifest.json: $(STAMP)
	$(PY) -m index build --src $(DOCS_DIR) --out $(INDEX_DIR)

index: $(STAMP)  ## (re)build the index of docs_src/ (unchanged PDFs are reused)
	$(PY) -m index build --src $(DOCS_DIR) --out $(INDEX_DIR)

run: $(INDEX_DIR)/manifest.json  ## set up, build the index if missing, and start the service
	$(PY) -m index.onnx_export  # the ONNX model the workers load (kept in instance/models)
	@echo "Starting on http://$$($(PY) -c "import runpy; print(runpy.run_path('gunicorn.conf.py')['bind'])")/ (API docs: /api/v1/docs). Ctrl-C stops it."
	TOOLKIT_INDEX_DIR=$(INDEX_DIR) TOOLKIT_DOCS_DIR=$(DOCS_DIR) $(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

# axe-core for the accessibility tests (tests/browser/test_a11y.py), pinned by package-lock.json
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --prefix tests/browser --no-audit --no-fund --ignore-scripts && touch $(AXE); \
	else echo "npm not found (apt-get install -y npm): the accessibility tests will skip"; fi

test: $(STAMP) $(AXE)  ## the whole test suite (unit, real model and real PDFs)
	$(PY) -m pytest

test-fast: $(STAMP)  ## unit tests only (fake embedder, no model)
	$(PY) -m pytest -m "not model"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .

bench-build: $(STAMP)  ## build-speed benchmark on ../shared/corpora/external
	$(PY) bench/build_speed.py

bench-serve: $(STAMP)  ## service latency, HTTP load under gunicorn, start-up and memory
	$(PY) bench/service_latency.py
	$(PY) bench/http_load.py
	$(PY) bench/startup_memory.py

bench-encoder: $(STAMP)  ## torch vs ONNX encoder: latency, throughput, memory, agreement
	$(PY) bench/encoder.py

crisis-model: $(STAMP)  ## retrain the learned crisis signal, then its held-out figures
	$(PY) -m service.crisis_model train
	$(PY) -m service.crisis_model check

docs: $(STAMP)  ## re-render the sample-edition PDFs from docs_src/source
	$(PY) docs_src/render.py

clean:
	rm -rf instance/index

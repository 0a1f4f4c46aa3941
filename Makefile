# The two entry points of the README: `make demo` and `make test`.
# Both create .venv with the project and its dev tools on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint chromium bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/o2csim run scenarios/baseline.yaml --out runs/baseline

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The HTML report's browser test drives headless Chromium: install Debian's package when
# no Chromium is found (O2CSIM_CHROMIUM may name one). As root, or through passwordless
# sudo; the package lists are refreshed only if the first attempt fails.
APT_CHROMIUM = env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

chromium:
	@if [ -n "$$O2CSIM_CHROMIUM" ] || command -v chromium >/dev/null 2>&1 \
	  || command -v chromium-browser >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo -n"; fi; \
	log=$$(mktemp); echo "installing Debian's chromium for the HTML report's browser test"; \
	if $$sudo $(APT_CHROMIUM) >"$$log" 2>&1 \
	  || { $$sudo apt-get update -qq >>"$$log" 2>&1 && $$sudo $(APT_CHROMIUM) >>"$$log" 2>&1; }; \
	then rm -f "$$log"; else tail -n 20 "$$log" >&2; rm -f "$$log"; \
	  echo "could not install chromium: run 'sudo apt-get install chromium' (the browser test needs it)" >&2; \
	  exit 1; fi

test: lint chromium
	$(BIN)/pytest -n 2

bench: $(STAMP)
	$(BIN)/python benchmarks/throughput.py

clean:
	rm -rf $(VENV) runs .pytest_cache .mypy_cache .ruff_cache

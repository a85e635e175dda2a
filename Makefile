# The whole set-up on a fresh machine: `make run` (serve the app with the demo) and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
export KIEMDIEM_DB ?= data/warehouse.duckdb

.PHONY: install system-deps demo run test bench screenshots clean

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

install: $(VENV)/.installed

# Debian packages: chromium (browser tests, chart images), DejaVu fonts (PDF), poppler-utils (reading PDFs back in
# tests), nginx-light (the README's proxy set-up run in front of the app in tests/ui/test_access_nginx.py).
# Installed only when missing.
DEBS := chromium fonts-dejavu-core poppler-utils nginx-light
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1 || \
	    [ ! -x /usr/sbin/nginx ] || \
	    [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then \
		if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBS) >/dev/null; \
		else echo "Cần cài: sudo apt-get update && sudo apt-get install -y $(DEBS)"; exit 1; fi; \
	fi

demo: install
	$(PY) -m etl demo --if-missing
	$(PY) -m etl rebuild --if-stale

run: install demo
	$(PY) -m streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

test: install system-deps
	$(PY) -m pytest -q

bench: install
	$(PY) -m bench

# Every page photographed at two widths into screenshots/ (open them and look).
screenshots: install system-deps demo
	$(PY) -m tools.screenshots --db $(KIEMDIEM_DB) --out screenshots

clean:
	rm -rf data/warehouse.duckdb data/warehouse.duckdb.lock data/demo

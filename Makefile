# The two commands a newcomer needs: `make run` and `make test`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ADDRESS ?= 127.0.0.1:8000

BENCH_FILES ?= 20000
SEARCH_FILES ?= 100000

SERVE_FILES ?= 100000

.PHONY: run test test-fast setup lint bench bench-search bench-serving clean

# The virtual environment is rebuilt whenever requirements.txt changes.
$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

setup: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_release fixtures/
	$(BIN)/python manage.py search_index --if-missing
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

run: setup
	@echo
	@echo "Serving the briefing room at http://$(ADDRESS)/ (DEBUG off); Ctrl-C stops it."
	@echo "Create a staff account for http://$(ADDRESS)/admin/ with:"
	@echo "    $(BIN)/python manage.py createsuperuser"
	$(if $(EMAIL_URL),,@echo "Mail the site sends is printed here; EMAIL_URL sends it (README.md, Settings).")
	@echo
	$(BIN)/gunicorn briefing.wsgi --config briefing/gunicorn.conf.py --bind $(ADDRESS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

test: setup lint
	$(BIN)/pytest

# The edit loop: every test but those marked slow (servers, browsers, wrk, processes of their own).
test-fast: $(BIN)/.installed
	$(BIN)/pytest -m "not slow"

# Import throughput and memory on SQLite and PostgreSQL; BENCH_FILES=100000 for the large run.
bench: $(BIN)/.installed
	$(BIN)/python manage.py benchmark_import --count $(BENCH_FILES)

bench-search: $(BIN)/.installed
	$(BIN)/python manage.py benchmark_search --count $(SEARCH_FILES)

# Pages served by gunicorn under wrk, with and without the page cache, against a bare view.
bench-serving: setup
	$(BIN)/python manage.py benchmark_serving --count $(SERVE_FILES)

clean:
	rm -rf $(VENV) staticfiles search-index db.sqlite3 db.sqlite3-wal db.sqlite3-shm

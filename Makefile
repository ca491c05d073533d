# MLOps Maturity Portal. `make run` serves the demo; `make test` runs every check.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Links in the demo's e-mails point at the server `make run` starts.
export SITE_URL ?= http://127.0.0.1:$(PORT)
FRAMEWORKS := assessments/frameworks/mlops-v1.yaml assessments/frameworks/mlops-v2.yaml

.PHONY: run mlflow-demo test bench lint format clean python-check

# Find a Python >= 3.12 (Django 6.1 needs it); say clearly what was found otherwise.
PYTHON := $(shell for candidate in python3.13 python3.14 python3.12 python3; do \
	if command -v $$candidate >/dev/null 2>&1 && $$candidate -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	echo $$candidate; break; fi; done)

python-check:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: Python 3.12 or newer is needed (Django 6.1); found: $$(python3 --version 2>&1 || echo 'no python3')." >&2; \
	  exit 1; fi

$(VENV)/.created: | python-check
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.runtime: requirements.txt $(VENV)/.created
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.created
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# The web server, a Celery worker and Celery beat, as in production, on a broker that needs no
# server: message files in var/broker/ (CELERY_BROKER_URL=filesystem://, unless it is set).
# scripts/run_demo.py starts them, queues one tick at once, and stops all three together.
run: $(VENV)/.runtime
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py load_framework $(FRAMEWORKS)
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  MLOps Maturity Portal: http://127.0.0.1:$(PORT)/"
	@echo "  Demo accounts (password: demo): admin, manager, lead, member, director, reviewer"
	@echo "  Runs the web server, a Celery worker and Celery beat; Ctrl-C stops all three."
	@echo "  Emails are written to var/mail/"
	@echo ""
	DEBUG=1 exec $(PY) scripts/run_demo.py --port $(PORT)

# A live MLflow server with sample runs, connected to the demo's "Card transaction scoring"
# project, and a collection queued: run it beside `make run`, whose worker collects. It installs
# mlflow into ~/.cache/mlops-portal/ the first time (about a minute); Ctrl-C stops the server.
mlflow-demo: $(VENV)/.runtime
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py load_framework $(FRAMEWORKS)
	$(PY) manage.py seed_demo
	exec $(PY) scripts/mlflow_demo.py --port $(PORT)

test: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

# Every page of issue 17, cold and warm, at 1,000 and 10,000 projects, autosave and the
# organisation report (docs/bench.md); seeds its PostgreSQL databases on first use.
# BENCH_PAGES=org_dashboard,team (or none), BENCH_REPORT=0, BENCH_AUTOSAVE=0 measure less.
bench: $(VENV)/.dev
	$(PY) -m benchmarks.dashboard

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) staticfiles var/db.sqlite3 var/db.sqlite3-wal var/db.sqlite3-shm var/cache \
	  var/broker var/celerybeat-schedule* var/test-cache

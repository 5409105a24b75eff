# Lab 3 course: every target sets up .venv on first use.
#   make grade   the main job: autograde submitted/, feedback, grades CSV, class report
#   make test    the test suite (what CI runs)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready
# nbgrader starts alembic as a subprocess: the venv's bin/ must be on PATH.
RUN    := PATH="$(CURDIR)/$(BIN):$$PATH" MPLBACKEND=Agg

.PHONY: venv grade test test-fast lint data release bench student-env lab clean

$(READY): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

venv: $(READY)

grade: $(READY)
	$(RUN) $(BIN)/python -m kmeans_em_lab grade $(ARGS)

test: $(READY)
	$(RUN) $(BIN)/python -m pytest $(ARGS)

test-fast: $(READY)
	$(RUN) $(BIN)/python -m pytest -m "not slow" $(ARGS)

lint: $(READY)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check kmeans_em_lab grader_tests

data: $(READY)
	$(RUN) $(BIN)/python -m kmeans_em_lab data

release: $(READY)
	$(RUN) $(BIN)/python -m kmeans_em_lab release

bench: $(READY)
	$(RUN) $(BIN)/python -m kmeans_em_lab bench $(ARGS)

clean:
	rm -rf autograded feedback reports gradebook.db .artifacts

# Students: `make student-env` once, then `make lab`. JupyterLab opens the
# released notebook with nbgrader's student plugins only (config in student/).
# Started from the course root: Validate then uses nbgrader_config.py's time
# limits. No MPLBACKEND: an inherited one (e.g. Agg) would hide the plots.
student-env: $(READY)

lab: $(READY)
	env -u MPLBACKEND JUPYTER_CONFIG_PATH="$(CURDIR)/student" PATH="$(CURDIR)/$(BIN):$$PATH" \
	  $(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)/release/lab3" $(ARGS) \
	  "$(CURDIR)/release/lab3/lab3.ipynb"

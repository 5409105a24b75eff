# Lab 3 course: every target sets up .venv on first use.
#   make grade   the main job: autograde submitted/, feedback, grades CSV, class report
#                (and the Canvas import file once roster.csv exists)
#   make test    the test suite (what CI runs)
#   make collect ZIP=submissions.zip   an LMS download (Canvas, Moodle) into submitted/
#   make student-bundle                dist/lab3-student.zip, what students get
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready
# nbgrader starts alembic as a subprocess: the venv's bin/ must be on PATH.
RUN    := PATH="$(CURDIR)/$(BIN):$$PATH" MPLBACKEND=Agg

.PHONY: venv grade test test-fast lint data release bench student-env lab clean \
	student-bundle collect canvas mutants similarity

$(READY): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

venv: $(READY)

# Then reports/canvas_grades.csv once roster.csv exists (not when the course is
# broken or grading was interrupted); exit 1 also when that file leaves grades out.
grade: $(READY)
	@$(RUN) $(BIN)/python -m kmeans_em_lab grade $(ARGS); status=$$?; \
	if [ $$status -le 1 ]; then \
	  $(RUN) $(BIN)/python -m kmeans_em_lab canvas --if-roster || [ $$status -ne 0 ] || status=1; \
	fi; exit $$status

test: $(READY)
	$(RUN) $(BIN)/python -m pytest $(ARGS)

test-fast: $(READY)
	$(RUN) $(BIN)/python -m pytest -m "not slow" $(ARGS)

lint: $(READY)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check kmeans_em_lab lab3_kernel lab3_dev grader_tests

data: $(READY)
	$(RUN) $(BIN)/python -m kmeans_em_lab data

release: $(READY)
	$(RUN) $(BIN)/python -m kmeans_em_lab release

bench: $(READY)
	$(RUN) $(BIN)/python -m kmeans_em_lab bench $(ARGS)

# Mutation score of the hidden checks: grader_tests/mutation.md (ARGS=--quick: a sample,
# no file written).
mutants: $(READY)
	$(RUN) $(BIN)/python -m kmeans_em_lab mutants $(ARGS)

clean:
	rm -rf autograded feedback reports gradebook.db .artifacts dist

# An LMS download (ZIP=... a Canvas or Moodle zip) into submitted/<id>/lab3/ with
# nbgrader's zip collection; ARGS="--force" replaces earlier, different submissions.
collect: $(READY)
	@test -n "$(ZIP)" || { echo "usage: make collect ZIP=path/to/submissions.zip" >&2; exit 2; }
	$(RUN) $(BIN)/python -m kmeans_em_lab collect "$(ZIP)" $(ARGS)

# reports/grades.csv as a Canvas gradebook import file (roster.csv: README).
canvas: $(READY)
	$(RUN) $(BIN)/python -m kmeans_em_lab canvas $(ARGS)

# reports/similarity.html: pairs of graded submissions worth a look (README).
similarity: $(READY)
	$(RUN) $(BIN)/python -m kmeans_em_lab similarity $(ARGS)

# What students get: dist/lab3-student.zip (and the folder dist/lab3-student/).
student-bundle: $(READY)
	$(RUN) $(BIN)/python -m kmeans_em_lab bundle $(ARGS)

# `make lab`: the released notebook in JupyterLab as students see it (students
# themselves get `make student-bundle`), nbgrader's student plugins only (student/).
# Started from the course root: Validate then uses nbgrader_config.py's time
# limits. No MPLBACKEND: an inherited one (e.g. Agg) would hide the plots.
student-env: $(READY)

lab: $(READY)
	env -u MPLBACKEND JUPYTER_CONFIG_PATH="$(CURDIR)/student" PATH="$(CURDIR)/$(BIN):$$PATH" \
	  $(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)/release/lab3" $(ARGS) \
	  "$(CURDIR)/release/lab3/lab3.ipynb"

"""nbgrader configuration of the Lab 3 course (instructors edit this file).

Run nbgrader from this folder (the course root). Timeouts and the gradebook URL
are set here; points live in the source notebook (see README.md).
"""

import os
from pathlib import Path

from kmeans_em_lab.course.limits import timeout_for_cell

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

COURSE_ROOT = Path(__file__).resolve().parent

c.CourseDirectory.root = str(COURSE_ROOT)
c.CourseDirectory.course_id = "lab3-kmeans-em"

# Gradebook: SQLite by default, with a busy timeout so parallel graders wait
# for the lock instead of failing with "database is locked". For PostgreSQL
# set LAB3_DB_URL, e.g. postgresql://grader:secret@localhost/lab3 (README).
c.CourseDirectory.db_url = os.environ.get(
    "LAB3_DB_URL", f"sqlite:///{COURSE_ROOT / 'gradebook.db'}?timeout=120"
)

# Students may edit or delete test cells: autograde restores them all.
c.OverwriteCells.add_missing_cells = True

# Kernel shutdown without the 5 s grace period per notebook.
c.Execute.shutdown_kernel = "immediate"
c.Execute.interrupt_on_timeout = True

# Seconds a cell may run. Cells not listed get DEFAULT_CELL_TIMEOUT. Set from
# the benchmark (`make bench`): at least 10x the reference solution's time and
# above the original lab's slow EM.
DEFAULT_CELL_TIMEOUT = 30
CELL_TIMEOUTS = {
    # cells that run the student's whole algorithm on the lab's data
    "kmeans_run": 180,
    "kmeans_gmm_run": 120,
    "em_run": 300,
    # hidden tests calling K_Means / EM several times
    "test_K_Means_hidden": 180,
    "test_K_Means_hidden_1d": 120,
    "test_EM_hidden": 300,
}
c.Execute.timeout = DEFAULT_CELL_TIMEOUT
c.Execute.timeout_func = timeout_for_cell(CELL_TIMEOUTS, DEFAULT_CELL_TIMEOUT)

# Output kept in autograded notebooks: lines per output and traceback length.
c.LimitOutput.max_lines = 500
c.LimitOutput.max_traceback = 100

# The sandbox every student kernel runs in (bubblewrap; README: "Sandbox and
# threat model"). Limits per kernel; `make grade --no-sandbox` turns it off.
c.SandboxedKernelManager.address_space = 4 * 2**30  # bytes, per process (RLIMIT_AS)
c.SandboxedKernelManager.max_processes = 64  # processes and threads (a pids cgroup)
c.SandboxedKernelManager.max_file_size = 256 * 2**20  # bytes, per file written
c.SandboxedKernelManager.max_open_files = 256
c.SandboxedKernelManager.tmp_size = 256 * 2**20  # bytes of /tmp and of /dev/shm (memory)

# What one submission may hold, checked before any of it is read (README: "Sandbox
# and threat model"). A submission over a limit is not graded: 0 and a flag naming
# the limit, while the rest of the class is graded.
c.SubmissionLimits.notebook_bytes = 20 * 2**20  # bytes of the notebook graded
c.SubmissionLimits.cells = 2000  # cells of the notebook graded
c.SubmissionLimits.files = 200  # files and folders (links and the like included)
c.SubmissionLimits.total_bytes = 32 * 2**20  # bytes of all its files together
c.SubmissionLimits.json_values = 5_000_000  # values in the notebook's JSON, before parsing

# What one `make collect` unpacks from the LMS's download zips together (README:
# "Collecting submissions"); each notebook's own limit is SubmissionLimits.notebook_bytes.
c.DownloadLimits.members = 10_000  # entries of the downloaded zips
c.DownloadLimits.total_bytes = 2 * 2**30  # bytes of the notebooks unpacked from them

# What replaces a solution in the release.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Feedback pages, also from a hand-run `nbgrader generate_feedback`: what a student
# wrote made inert (README: "Sandbox and threat model"); `make grade` sets it anyway.
c.GenerateFeedback.exporter_class = "kmeans_em_lab.pipeline.pages.feedback_page.FeedbackExporter"

# nbgrader's formgrader (manual scores and comments, in JupyterLab started in this folder)
# renders autograded notebooks with nbconvert's plain HTMLExporter: what a student wrote is
# made inert first, as on a feedback page (kmeans_em_lab/pipeline/pages/formgrader_view.py). The
# feedback exporter, an HTMLExporter too, does that work itself.
c.HTMLExporter.preprocessors = ["kmeans_em_lab.pipeline.pages.formgrader_view.InertStudentContent"]
c.HTMLExporter.filters = {
    "highlight_code": "kmeans_em_lab.pipeline.pages.formgrader_view.highlight_code"
}
c.FeedbackExporter.preprocessors = []
c.FeedbackExporter.filters = {}

# Collecting an LMS download (`make collect ZIP=...`: nbgrader's zip collection,
# see README.md). The student id is read from each file's name: Canvas names
# files <name>_<user id>_<submission id>_<file> (LATE_ before the user id when
# late), Moodle <Full Name>_<participant id>_assignsubmission_file_<file>. The
# id is the student's folder, submitted/<id>/lab3/.
c.FileNameCollectorPlugin.named_regexp = (
    r"^(?:.*/)?(?P<lms_name>[^/]+?)_(?:(?i:late)_)?(?P<student_id>\d+)_"
    r"(?:\d+_|assignsubmission_file(?:_/|_|/))(?P<file_id>[^/]+)$"
)

# Collecting from nbgrader's exchange on a JupyterHub (`nbgrader collect lab3`): only folders
# named as `nbgrader submit` names them and owned by the user they name, copied without
# following a link (README: "JupyterHub: nbgrader's exchange").
c.ExchangeFactory.collect = "kmeans_em_lab.exchange.exchange_collect.CheckedExchangeCollect"
# Releasing into it (`nbgrader release_assignment lab3`): the exchange's root and the course's
# inbound/ made sticky, so that no student can rename what another user owns in them (the
# course's folder, a classmate's submission); the collect refuses folders that are not so.
c.ExchangeFactory.release_assignment = (
    "kmeans_em_lab.exchange.exchange_release.ProtectedExchangeReleaseAssignment"
)
# `nbgrader list --inbound` printed what students named their folders raw and opened their
# notebooks following links: refused (the collect checks both)
c.ExchangeFactory.list = "kmeans_em_lab.exchange.exchange_collect.CheckedExchangeList"

# Returning grades (`make canvas`, also run by `make grade` once the roster
# exists): reports/canvas_grades.csv for Canvas's gradebook import.
# roster: Canvas's Grades > Export > Export Entire Gradebook (path from the course root);
# id_column: the roster column holding the nbgrader student ids (ID: Canvas's user id,
# what `make collect` gives; SIS Login ID: often the JupyterHub user name);
# assignment: the grade column, "Lab 3 (<Canvas id>)" when the roster already has it.
c.CanvasGrades.roster = "roster.csv"
c.CanvasGrades.id_column = "ID"
c.CanvasGrades.assignment = "Lab 3"

"""Generating the student version ``release/lab3`` from ``source/lab3`` with nbgrader.

``python -m kmeans_em_lab release`` (``make release``) first rewrites the texts
that state points (the test cells' ``(N points)`` comments, the notebook's and
README.md's points tables) from the source notebook's metadata
(:func:`kmeans_em_lab.course.points.sync`), then regenerates the release without
touching the gradebook (byte-deterministic: every cell has an id); the instructor pipeline
calls :func:`generate` with ``use_db=True`` so that the gradebook records the
assignment and its hidden tests.
"""

from __future__ import annotations

from pathlib import Path

from kmeans_em_lab.course import paths


def _in_place_generator():
    """nbgrader's ``GenerateAssignment`` without its ``os.chdir`` into the course root.

    nbgrader's converters change the process's working directory while they convert.
    The grading driver generates the assignment (into a scratch course it then removes)
    while its Dask cluster starts in another thread, and a worker process spawned in
    that window inherits the scratch folder as its working directory and fails to start
    once the folder is gone. Every path nbgrader uses here is absolute (the course root
    is), except the header and footer notebooks, which :func:`generate` resolves."""
    from nbconvert.writers import FilesWriter
    from nbgrader.converters import GenerateAssignment

    class InPlaceGenerateAssignment(GenerateAssignment):
        def start(self) -> None:  # nbgrader 0.9's start, less the chdir
            student = self.coursedir.student_id
            self.coursedir.student_id = "."
            try:
                self.init_notebooks()
                self.writer = FilesWriter(parent=self, config=self.config)
                self.exporter = self.exporter_class(parent=self, config=self.config)
                for preprocessor in self.preprocessors:
                    self.exporter.register_preprocessor(preprocessor)
                self.convert_notebooks()
            finally:
                self.coursedir.student_id = student

    return InPlaceGenerateAssignment


# how a text file may hold the markers (a PowerShell redirection writes UTF-16)
_ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


def solution_files(release: Path, config=None) -> list[str]:
    """Files of ``release`` other than notebooks that hold nbgrader's solution or
    hidden-test markers (the course's ``ClearSolutions``/``ClearHiddenTests`` delimiters),
    by relative path: nbgrader copies every file of the source assignment into the
    release, and a script or page made from the source notebook (``jupyter nbconvert
    --to script``) holds the solutions. A compressed file (a zip, a PDF) is not looked
    into."""
    if config is None:
        config = paths.Course.at(release.parent.parent, release.name).load_config()
    markers = (
        config.ClearSolutions.get("begin_solution_delimeter", "BEGIN SOLUTION"),
        config.ClearHiddenTests.get("begin_test_delimeter", "BEGIN HIDDEN TESTS"),
    )
    from kmeans_em_lab.pipeline.shared.folders import read_regular, walk

    encoded = [marker.encode(encoding) for marker in markers for encoding in _ENCODINGS]
    found = []
    for entry in walk(release, ignored=frozenset()).files:  # the project's walker: no link
        if entry.rel.endswith(".ipynb"):
            continue
        data = read_regular(release, entry.rel)
        if data is not None and any(marker in data for marker in encoded):
            found.append(entry.rel)
    return found


def refusal(assignment: str, leaks: list[str]) -> str:
    """Why a release holding ``leaks`` (:func:`solution_files`) is not given to students."""
    return (
        f"release/{assignment} would give students the solutions: "
        + ", ".join(leaks)
        + f" (copied from source/{assignment}) hold nbgrader's solution or hidden-test "
        f"markers. Move them out of source/{assignment} and generate the release again."
    )


def generate(
    course_root: Path | None = None,
    assignment: str = paths.ASSIGNMENT,
    use_db: bool = False,
    db_url: str | None = None,
) -> Path:
    """Regenerate ``release/<assignment>``; returns its folder. Raises on failure.

    ``db_url``: the gradebook to record the assignment in (``use_db``), instead
    of the one ``nbgrader_config.py`` names."""
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    course = paths.Course.at(course_root, assignment)
    config = course.load_config()
    config.CourseDirectory.root = str(course.root.resolve())
    # what `nbgrader generate_assignment --no-db` sets
    config.GenerateAssignment.no_database = not use_db
    config.SaveCells.enabled = use_db
    if db_url:
        config.CourseDirectory.db_url = db_url
    for name in ("header", "footer"):  # relative to the course root, as nbgrader reads them
        if value := config.IncludeHeaderFooter.get(name):
            config.IncludeHeaderFooter[name] = str(course.root.resolve() / value)
    coursedir = CourseDirectory(config=config, assignment_id=assignment)
    app = _in_place_generator()(coursedir=coursedir, config=config)
    app.force = True
    app.create_assignment = use_db
    result = capture_log(app)
    if not result["success"]:
        raise RuntimeError(
            f"nbgrader could not generate release/{assignment}:\n"
            f"{result.get('error') or ''}\n{result.get('log') or ''}"
        )
    if leaks := solution_files(course.release, config):
        raise RuntimeError(refusal(assignment, leaks))
    return course.release

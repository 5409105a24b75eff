"""Where the course's folders and files live: :class:`Course`, one place for every path.

The package is installed in editable mode from the course repository, so the
course root is the folder above the package. ``LAB3_COURSE_ROOT`` overrides
it (for a copy of the course elsewhere, e.g. the benchmark's scratch course).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ASSIGNMENT = "lab3"
NOTEBOOK = "lab3.ipynb"
DATA_FILES = ("spotify.p", "GMM.p")
CONFIG_FILE = "nbgrader_config.py"


def page_name(notebook: str) -> str:
    """The name of a notebook's feedback page (nbgrader's: the notebook's, as ``.html``)."""
    return f"{Path(notebook).stem}.html"


def course_root() -> Path:
    env = os.environ.get("LAB3_COURSE_ROOT")
    return Path(env).resolve() if env else Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Course:
    """A course folder as nbgrader lays it out, and the pipeline's own folders in it.

    Every path is derived from ``root`` and ``assignment`` here and nowhere else.
    """

    root: Path
    assignment: str = ASSIGNMENT

    @classmethod
    def at(cls, root: Path | str | None = None, assignment: str = ASSIGNMENT) -> Course:
        """The course at ``root`` (default :func:`course_root`)."""
        return cls(Path(root or course_root()).resolve(), assignment)

    @property
    def notebook(self) -> str:
        """The assignment's notebook file name (``lab3.ipynb``)."""
        return f"{self.assignment}.ipynb"

    @property
    def config_file(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def data(self) -> Path:
        """The one source of truth for the data files."""
        return self.root / "data"

    @property
    def source(self) -> Path:
        """The instructor's assignment folder (solutions, hidden tests)."""
        return self.root / "source" / self.assignment

    @property
    def release(self) -> Path:
        """The students' assignment folder, generated from :attr:`source`."""
        return self.root / "release" / self.assignment

    @property
    def source_notebook(self) -> Path:
        return self.source / self.notebook

    @property
    def release_notebook(self) -> Path:
        return self.release / self.notebook

    @property
    def submitted_root(self) -> Path:
        return self.root / "submitted"

    def submitted(self, student: str) -> Path:
        return self.submitted_root / student / self.assignment

    def autograded(self, student: str) -> Path:
        return self.root / "autograded" / student / self.assignment

    def feedback(self, student: str) -> Path:
        return self.root / "feedback" / student / self.assignment

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def secret_file(self) -> Path:
        """The course secret the hidden tests' inputs are drawn from, beside the gradebook
        (:mod:`kmeans_em_lab.course.secret`; never in git, never in a sandbox)."""
        return self.root / ".lab3-secret"

    @property
    def cache(self) -> Path:
        """The pipeline's own files between runs (hidden, git-ignored, gone with autograded/)."""
        return self.root / "autograded" / ".cache"

    @property
    def stamps(self) -> Path:
        """What was graded, one file per student (:mod:`kmeans_em_lab.pipeline.driver.stamps`)."""
        return self.root / "autograded" / ".grade-stamps" / self.assignment

    def load_config(self):
        """The course's ``nbgrader_config.py`` as a traitlets Config, as nbgrader loads it
        (the one loader of the course's configuration)."""
        from traitlets.config.loader import PyFileConfigLoader

        if not self.config_file.is_file():
            raise FileNotFoundError(f"no {CONFIG_FILE} in {self.root}: is it the course root?")
        config = PyFileConfigLoader(CONFIG_FILE, path=str(self.root)).load_config()
        config.CourseDirectory.root = str(self.root)
        return config


def data_dir() -> Path:
    """The one source of truth for the data files."""
    return Course.at().data


def corpus_dir(kind: str = "validity", root: Path | None = None) -> Path:
    """The corpus of known submissions: ``validity`` (what a case scores and why) or
    ``security`` (attacks, and the victims graded beside them); read by the tests, the
    examples and the benchmarks (:mod:`.corpus`)."""
    return (Path(root) if root is not None else course_root()) / "corpus" / kind


def assignment_data_dirs() -> list[Path]:
    """The copies nbgrader needs beside the notebook (source and release)."""
    course = Course.at()
    return [course.source / "data", course.release / "data"]

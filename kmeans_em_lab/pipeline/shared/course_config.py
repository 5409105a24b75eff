"""The course's nbgrader configuration as both sides read it: the config, the gradebook's
URL, the course id; and how a class of the grader declares a value of it."""

from __future__ import annotations

from pathlib import Path

from traitlets import TraitType
from traitlets.config import Config

from kmeans_em_lab.course.paths import Course
from kmeans_em_lab.pipeline.shared.scores import GradebookRef


def setting(kind: type[TraitType], default, help: str) -> TraitType:
    """A value the instructor may set in ``nbgrader_config.py`` (``c.<Class>.<name>``), of
    the traitlet ``kind`` (``Integer``, ``Float``), ``default`` unless set."""
    return kind(default, help=help).tag(config=True)


def load_course_config(root: Path) -> Config:
    """The course's ``nbgrader_config.py`` (:meth:`.Course.load_config`)."""
    return Course.at(root).load_config()


def db_url(config: Config) -> str:
    """The gradebook URL; SQLite gets a busy timeout if the config has none."""
    url = config.CourseDirectory.get("db_url") or ""
    if not url:
        root = config.CourseDirectory.root
        url = f"sqlite:///{Path(root) / 'gradebook.db'}"
    if url.startswith("sqlite") and "timeout=" not in url:
        url += ("&" if "?" in url else "?") + "timeout=120"
    return url


def course_id(config: Config) -> str:
    return config.CourseDirectory.get("course_id") or ""


def gradebook_of(config: Config, assignment: str) -> GradebookRef:
    """The handle on ``assignment``'s scores in the gradebook ``config`` names."""
    return GradebookRef(db_url(config), course_id(config), assignment)

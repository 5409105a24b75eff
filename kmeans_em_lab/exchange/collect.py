"""``make collect ZIP=...``: an LMS download into ``submitted/<student>/lab3/``.

The download is what Canvas (*Assignments > Download Submissions*) or Moodle
(*View all submissions > Download all submissions*) gives: a zip with one file
per student, the student's id in its name. It goes through nbgrader's own zip
collection (``nbgrader zip_collect``: :class:`~nbgrader.apps.ZipCollectApp`
extracts it and its :class:`~nbgrader.plugins.FileNameCollectorPlugin` reads
each name with ``FileNameCollectorPlugin.named_regexp`` from
``nbgrader_config.py``), with these rules on top:

- every notebook is collected as ``submitted/<student>/lab3/lab3.ipynb``
  (``lab3-1.ipynb``, Canvas's name for a resubmission, included), and the
  release's other files (``data/``) are put beside it, as the grader expects;
- a bad entry gets one line and is not collected: a student with two
  notebooks, a name with no student id in it, a file that is not a notebook;
- nothing is overwritten silently: a student whose folder already holds the
  same notebook is left as is (``unchanged``), one whose folder holds a
  different submission is reported and left as is unless ``--force``.

Exit status: 0 when every entry was collected (or unchanged), 1 when some
were not (each one named), 2 when the course or the download is unusable.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from nbgrader.apps.zipcollectapp import ZipCollectApp

from kmeans_em_lab.course import paths

EXPECTED_NAMES = (
    "Canvas `smithjohn_12345_6789012_lab3.ipynb`, "
    "Moodle `John Smith_12345_assignsubmission_file_lab3.ipynb`"
)
# left out without a word: what operating systems and Jupyter add to archives
JUNK = {"__MACOSX", ".DS_Store", "Thumbs.db", ".ipynb_checkpoints", "__pycache__"}
SAFE_ID = re.compile(r"[A-Za-z0-9@+_-][A-Za-z0-9@+_.-]*")


def _same_bytes(a: Path, b: Path) -> bool:
    return a.is_file() and b.is_file() and a.read_bytes() == b.read_bytes()


def other_ids(named_regexp: str, path: str, student: str) -> set[str]:
    """The student ids other than ``student`` that ``path`` also reads as, when the name
    before the id is taken to be longer: an LMS display name is the student's to choose,
    and one such as ``Eve_22222_1_`` makes ``Eve_22222_1__99999_...`` read as 22222."""
    match = re.match(named_regexp, path)
    if match is None or "lms_name" not in match.groupdict():
        return set()
    begin = match.start("lms_name")
    found = set()
    for at in range(begin + 1, len(path)):
        if path[at] == "_":
            other = re.match(named_regexp, f"{path[:begin]}X{path[at:]}")
            if other and other["student_id"] != student:
                found.add(other["student_id"])
    return found


class CheckedZipCollectApp(ZipCollectApp):
    """``nbgrader zip_collect`` that collects notebooks as ``<assignment>.ipynb`` and never
    overwrites a submission silently. Its report: :attr:`collected`, :attr:`unchanged`,
    :attr:`problems` (one line each)."""

    name = "lab3-collect"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.collected: list[str] = []
        self.unchanged: list[str] = []
        self.problems: list[str] = []
        self._notes: dict[str, str] = {}  # student -> what to say when collected

    # -- helpers -------------------------------------------------------------------------

    @property
    def notebook(self) -> str:
        return f"{self.coursedir.assignment_id}.ipynb"

    def _student_dir(self, student: str) -> Path:
        return Path(
            self.coursedir.format_path(
                self.coursedir.submitted_directory, student, self.coursedir.assignment_id
            )
        )

    def _shown(self, path: str | Path) -> str:
        """A path as the instructor knows it: inside the download, or inside the course."""
        extracted = self._format_collect_path(self.extracted_directory)
        path = Path(path)
        for base in (Path(extracted), Path(self.coursedir.root)):
            if path.is_relative_to(base):
                return path.relative_to(base).as_posix()
        return str(path)

    def _release_files(self) -> list[Path]:
        """The release's files other than notebooks (the data), relative to the release."""
        release = Path(
            self.coursedir.format_path(
                self.coursedir.release_directory, ".", self.coursedir.assignment_id
            )
        )
        return sorted(
            p.relative_to(release)
            for p in release.rglob("*")
            if p.is_file() and p.suffix != ".ipynb" and not JUNK & set(p.relative_to(release).parts)
        )

    # -- nbgrader's steps, checked -------------------------------------------------------

    def _collect_files(self, src_files):
        """Screen the extracted files, then let nbgrader collect those that are safe to."""
        named_regexp = getattr(self.collector_plugin_inst, "named_regexp", "")
        by_student: dict[str, list[str]] = {}
        for path in src_files:
            shown = self._shown(path)
            parts = Path(shown).parts
            if JUNK & set(parts) or parts[-1].startswith("._"):
                continue
            if Path(path).suffix.lower() != ".ipynb":
                match = re.match(named_regexp, path) if named_regexp else None
                who = f" (student {match['student_id']})" if match else ""
                self.problems.append(f"{shown}{who}: not a notebook")
                continue
            info = self.collector_plugin_inst.collect(path)
            student = (info or {}).get("student_id")
            if not student:
                self.problems.append(
                    f"{shown}: unknown file name, no student id in it (expected e.g. "
                    f"{EXPECTED_NAMES})"
                )
                continue
            if not SAFE_ID.fullmatch(student):
                self.problems.append(f"{shown}: student id {student!r} is not a folder name")
                continue
            others = other_ids(named_regexp, path, student)
            if others:
                readings = ", ".join(sorted({student, *others}))
                self.problems.append(
                    f"{shown}: the file name reads as more than one student id ({readings}): "
                    "not collected; copy it by hand to the right student's folder"
                )
                continue
            by_student.setdefault(student, []).append(path)

        accepted = []
        for student, files in sorted(by_student.items()):
            names = ", ".join(self._shown(f) for f in files)
            folder = self._student_dir(student)
            target = folder / self.notebook
            if len(files) > 1:
                self.problems.append(
                    f"{student}: {len(files)} notebooks ({names}): copy the one to grade "
                    f"to {self._shown(target)}"
                )
                continue
            note = f"from {names}"
            if folder.is_dir() and any(folder.iterdir()):
                if _same_bytes(target, Path(files[0])):
                    self.unchanged.append(f"{student}: {self._shown(target)} (from {names})")
                    continue
                if not self.force:
                    self.problems.append(
                        f"{student}: {self._shown(folder)}/ holds a different submission, "
                        f"not overwritten with {names} (collect with --force to replace it)"
                    )
                    continue
                note += ", replacing the earlier submission"
            self._notes[student] = note
            accepted.append(files[0])

        data = super()._collect_files(accepted) if accepted else {}
        for record in data.values():
            record["dest_files"] = [
                os.path.join(os.path.dirname(dest), self.notebook) for dest in record["dest_files"]
            ]
            record["file_ids"] = [self.notebook] * len(record["file_ids"])
        return data

    def _transfer_files(self, collected_data):
        super()._transfer_files(collected_data)
        release = self.coursedir.format_path(
            self.coursedir.release_directory, ".", self.coursedir.assignment_id
        )
        extra = self._release_files()
        for student in sorted(collected_data or {}):
            folder = self._student_dir(student)
            for rel in extra:
                (folder / rel).parent.mkdir(parents=True, exist_ok=True)
                if not (folder / rel).exists():
                    shutil.copy2(Path(release) / rel, folder / rel)
            with_data = f" + {', '.join(sorted({r.parts[0] for r in extra}))}" if extra else ""
            self.collected.append(
                f"{student}: {self._shown(folder / self.notebook)}{with_data} "
                f"({self._notes.get(student, '')})"
            )


def collect(
    downloads: list[Path],
    course_root: Path | None = None,
    assignment: str = paths.ASSIGNMENT,
    force: bool = False,
) -> CheckedZipCollectApp:
    """Collect ``downloads`` (zips, notebooks or folders of them) into the course's
    ``submitted/``; the app's ``collected``/``unchanged``/``problems`` say what happened.

    Raises ``FileNotFoundError`` for a missing download or course, ``SystemExit`` when
    nbgrader stops (its error is logged).
    """
    course = paths.Course.at(course_root, assignment)
    root = course.root
    if not course.config_file.is_file():
        raise FileNotFoundError(f"{course.config_file} is missing: is {root} a course?")
    release = course.release
    if not release.is_dir():
        raise FileNotFoundError(f"{release} is missing: run `make release`")
    downloads = [Path(download).expanduser() for download in downloads]
    for download in downloads:
        if not download.exists():
            raise FileNotFoundError(f"{download}: no such file")
    with tempfile.TemporaryDirectory(prefix="lab3-collect-") as scratch:
        # nbgrader works in {downloaded}/{assignment}/{archive,extracted}: here a scratch folder
        structure = os.path.join(scratch, "{downloaded}", "{assignment_id}", "{collect_step}")
        archive = Path(scratch) / "downloaded" / assignment / "archive"
        archive.mkdir(parents=True)
        for download in downloads:
            download = download.resolve()
            target = archive / download.name
            n = 1
            while target.exists():
                n += 1
                target = archive / f"{download.stem}-{n}{download.suffix}"
            if download.is_dir():
                shutil.copytree(download, target)
            else:
                shutil.copy2(download, target)
        argv = [
            assignment,
            f"--ZipCollectApp.collect_directory_structure={structure}",
            f"--CourseDirectory.root={root}",
            "--log-level=ERROR",  # each file's fate is reported by the app's own lines
        ]
        if force:
            argv.append("--force")
        app = CheckedZipCollectApp()
        with contextlib.chdir(root):  # nbgrader reads nbgrader_config.py from here
            app.initialize(argv)
            if not getattr(app.config.FileNameCollectorPlugin, "named_regexp", ""):
                app.fail(
                    "nbgrader_config.py sets no FileNameCollectorPlugin.named_regexp: "
                    "see README.md, Collecting submissions"
                )
            app.start()
    return app

"""``nbgrader collect`` from nbgrader's exchange (JupyterHub), taking nothing on trust.

On a shared hub every student can write into the exchange's ``inbound/`` folder, and
what nbgrader's own collect finds there it copies into ``submitted/`` as it is:

- it copies with :func:`shutil.copytree`, which follows links: a folder holding a link
  to the course secret, the source notebook, the gradebook, another student's work or
  ``/proc/self/environ`` became regular files beside the student's notebook, in the
  sandbox, printed into the student's feedback;
- it takes the student's name from the folder's name, and only warns when the folder
  belongs to someone else: a student could hand in a blank notebook as another;
- it logs the folder's name as it is, escapes and all, and creates
  ``submitted/<name>`` from it.

:class:`CheckedExchangeCollect` is nbgrader's collect (``c.ExchangeFactory.collect`` in
``nbgrader_config.py`` names it, so the instructor's ``nbgrader collect lab3`` runs it)
with these changes: a folder is collected only when its name is one ``nbgrader submit``
writes (a student id the grader accepts, the assignment, a time of the shape intake
reads, a random suffix); with ``CollectApp.check_owner`` (nbgrader's default) only when
it belongs to the user it names, before each user's latest folder is chosen, and then of
its files only those that user owns (not a hard link to another's file); its files
are copied by the grader's walker, which never follows a link and opens nothing but
regular files, within nbgrader's own size limits (``CourseDirectory.max_file_size``,
``max_dir_size``) and the course's ``SubmissionLimits.files``; its ``timestamp.txt`` is
written from the time its name gives, never read; and the time of a submission collected
before is read as intake reads it. What is left out is said in the log, escaped.

Not changed: the time a submission was handed in still comes from the student's side
(the folder's name, which ``timestamp.txt`` is written from), as in nbgrader; see the
README.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from datetime import datetime
from pathlib import Path

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.list import ExchangeList

from kmeans_em_lab.exchange.exchange_release import exchange_problem
from kmeans_em_lab.pipeline.driver.intake import (
    MAX_PATH_BYTES,
    STUDENT_ID,
    TIMESTAMP,
    SubmissionLimits,
    read_submission_time,
)
from kmeans_em_lab.pipeline.shared.folders import read_regular, remove, walk, write_files
from kmeans_em_lab.pipeline.shared.untrusted_text import for_terminal, quoted_name

try:
    import pwd
except ImportError:  # Windows: no owners to check, as in nbgrader
    pwd = None

# what nbgrader's submit appends to a folder's name after the time (urlsafe base64), unless
# ExchangeSubmit.add_random_string is off
_SUFFIX = re.compile(r"[A-Za-z0-9_-]{0,64}")


class CheckedExchangeCollect(ExchangeCollect):
    """nbgrader's ``ExchangeCollect`` that collects only well-named folders of their own
    owner, copied without following links (see the module's docstring)."""

    def _path_to_record(self, path):
        """nbgrader's record of an inbound folder. A folder whose name ``nbgrader submit``
        does not write, or (``check_owner``) that does not belong to the user its name
        gives, gets no user: left out before nbgrader picks each user's latest folder, so
        a folder named for a classmate cannot take the place of theirs."""
        name = os.path.basename(path)
        parts = name.rsplit("+", 3)  # as nbgrader splits it
        if not (
            len(parts) in (3, 4)
            and STUDENT_ID.fullmatch(parts[0])
            and parts[1] == self.coursedir.assignment_id
            and TIMESTAMP.fullmatch(parts[2])
            and _SUFFIX.fullmatch(parts[3] if len(parts) == 4 else "")
        ):
            return self._left_out(name, "not a name nbgrader submit writes")
        try:
            record = super()._path_to_record(path)
        except Exception:  # noqa: BLE001 - a time nbgrader cannot read
            return self._left_out(name, "not a time nbgrader reads")
        owner = self._owner(path)
        if owner != record["username"]:
            why = f"belongs to {for_terminal(owner)}" if owner else "is not a folder one can own"
            return self._left_out(name, f"names {record['username']} but {why}")
        return record

    def _left_out(self, name: str, why: str) -> dict:
        self.log.warning("Not collected: inbound folder %s (%s)", quoted_name(name), why)
        return {"username": None, "filename": name, "timestamp": datetime.min}

    def _owner(self, path: str) -> str | None:
        """The user a folder belongs to (without following a link: a link is nobody's
        folder); its name's user when owners are not checked (``check_owner`` off, as
        nbgrader allows, or no owners on this system)."""
        if not self.check_owner or pwd is None:
            return os.path.basename(path).rsplit("+", 3)[0]
        try:
            info = os.lstat(path)
        except OSError:
            return None
        if not stat.S_ISDIR(info.st_mode):
            return None
        try:
            return pwd.getpwuid(info.st_uid).pw_name
        except KeyError:
            return f"uid {info.st_uid}"

    def init_src(self):
        # the course's folders themselves first: a student who could swap them chose what
        # classmates fetched and read what they submitted (exchange_release)
        problem = exchange_problem(self.root, self.coursedir.course_id, self.coursedir.groupshared)
        if problem:
            self.fail(f"Not collecting: {problem}")
        super().init_src()
        self.src_records = [r for r in self.src_records if r["username"] is not None]

    def copy_files(self):
        """nbgrader's loop over the students, each apart: whatever collecting one raises
        (its folder, listed, may be gone when its turn comes: its student removed it)
        leaves that student uncollected, said in the log, and the others are collected.
        nbgrader's loop stopped at the first error."""
        course, assignment = self.coursedir.course_id, self.coursedir.assignment_id
        if not self.src_records:
            self.log.warning("No submissions of '%s' for course '%s' to collect",
                             assignment, course)  # fmt: skip
        else:
            self.log.info("Processing %d submissions of '%s' for course '%s'",
                          len(self.src_records), assignment, course)  # fmt: skip
        for record in self.src_records:
            try:
                self._collect(record)
            except Exception as err:  # noqa: BLE001 - one student's folder, never the collect
                self.log.warning("Not collected: inbound folder %s (%s)",
                                 quoted_name(record["filename"]), type(err).__name__)  # fmt: skip

    def _collect(self, record: dict) -> None:
        """One student's latest folder into ``submitted/``, as nbgrader's loop does it, with
        the owner already checked (:meth:`_path_to_record`) and the time of a submission
        collected before read as intake reads it (:func:`.intake.read_submission_time`:
        nbgrader's own reader hands its third word to dateutil's ``gettz``, which opens it
        as a zone file)."""
        student, assignment = record["username"], self.coursedir.assignment_id
        src = os.path.join(self.inbound_path, record["filename"])
        dest = self.coursedir.format_path(self.coursedir.submitted_directory, student, assignment)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if os.path.isdir(dest):
            before, now = read_submission_time(Path(dest)), record["timestamp"]
            newer = self.update and (before is None or now > before)
            if not (newer or (self.before_duedate and before != now)):
                self.log.info("%s: %s %s", "No newer submission to collect" if self.update else
                              "Submission already exists, use --update to update", student,
                              assignment)  # fmt: skip
                return
            self.log.info("Updating submission: %s %s", student, assignment)
            remove(Path(dest))
        else:
            self.log.info("Collecting submission: %s %s", student, assignment)
        self.do_copy(src, dest)

    def do_copy(self, src, dest, log=None):
        """The regular files under ``src`` into ``dest`` (:meth:`_files`). Whatever
        copying one folder raises leaves that student uncollected, said in the log, and
        the collect goes on with the others: nbgrader's loop over the students stopped
        at the first error."""
        name = quoted_name(os.path.basename(src))
        try:
            files, left_out = self._files(Path(src))
            if files is not None:
                write_files(Path(dest), files)
        except Exception as err:  # noqa: BLE001 - one student's folder, never the collect
            remove(Path(dest))
            self.log.warning("Not collected: inbound folder %s (%s)", name, type(err).__name__)
            return
        for item in left_out:
            self.log.warning("Not collected from %s: %s", name, for_terminal(item))

    def _files(self, src: Path) -> tuple[dict[str, bytes] | None, list[str]]:
        """What to write of ``src`` (None: nothing, a warning said why) and what is left
        out: links, FIFOs and devices, never followed nor opened; files another user owns
        (hard links: owners checked); the student's own
        ``timestamp.txt`` (the grader writes the time of the folder's name); paths longer
        than intake reads; files past ``max_file_size`` or the folder past
        ``max_dir_size`` (nbgrader's limits, kilobytes, counted in the bytes read)."""
        # a folder gone since it was listed (or no longer a folder) raises: not collected
        info = os.lstat(src)
        if not stat.S_ISDIR(info.st_mode):
            raise NotADirectoryError(f"no longer a folder: {src.name}")
        owner = info.st_uid if self.check_owner and pwd is not None else None
        most = SubmissionLimits(config=self.config).files
        found = walk(src, ignored=frozenset(), max_entries=most)
        if found.stopped:
            self.log.warning(
                "Not collected: inbound folder %s holds more than %d files and folders "
                "(SubmissionLimits.files in nbgrader_config.py)",
                quoted_name(src.name),
                most,
            )
            return None, []
        left_out = [f"{quoted_name(entry.rel)} ({entry.why})" for entry in found.left_out]
        # the time its name gives, as nbgrader submit writes it (checked: _path_to_record)
        files = {"timestamp.txt": src.name.rsplit("+", 3)[2].encode() + b"\n"}
        total = 0
        max_file = 1000 * self.coursedir.max_file_size
        max_total = 1000 * self.coursedir.max_dir_size
        for entry in found.files:
            parts = entry.rel.split("/")
            if parts[0] == "timestamp.txt":  # the student's own (a file or a folder)
                continue
            if any(fnmatch.fnmatch(p, glob) for p in parts for glob in self.coursedir.ignore):
                continue
            if not any(fnmatch.fnmatch(parts[-1], glob) for glob in self.coursedir.include):
                continue
            if owner is not None and entry.stat.st_uid != owner:
                # a hard link to a file the student cannot read (where the system lets
                # anyone link to any file): only the student's own files are collected
                left_out.append(f"{quoted_name(entry.rel)} (a file of another user)")
                continue
            if len(entry.rel.encode("utf-8", "surrogateescape")) > MAX_PATH_BYTES:
                left_out.append(
                    f"{quoted_name(entry.rel[:80] + '...')} "
                    f"(a path of more than {MAX_PATH_BYTES} bytes)"
                )
                continue
            data = None
            if entry.size <= max_file and total + entry.size <= max_total:
                # the owner again, of the file opened: one seen in the listing may have been
                # replaced since by a link to another user's file
                data = read_regular(src, entry.rel, limit=max_file, owner=owner)
            if data is None or total + len(data) > max_total:
                left_out.append(f"{quoted_name(entry.rel)} (unreadable, another user's, or over "
                                "CourseDirectory.max_file_size or max_dir_size)")  # fmt: skip
                continue
            files[entry.rel] = data
            total += len(data)
        return files, left_out


class CheckedExchangeList(ExchangeList):
    """nbgrader's list, without ``--inbound``: that listing prints the names students gave
    their folders as they are (terminal escapes included) and opens every notebook in
    them, following links (a FIFO held it forever). ``nbgrader collect`` checks both."""

    def start(self):
        if self.inbound:
            self.fail(
                "`nbgrader list --inbound` shows what students put in the exchange unchecked "
                "(names with terminal escapes, links, FIFOs): run `nbgrader collect lab3`, "
                "then look in submitted/"
            )
        return super().start()

"""The driver's writer: results saved in batches, as nbgrader would have saved them.

The gradebook is made with nbgrader's own API (an assignment of one notebook,
three graded cells and two solution cells), on SQLite and, when a server can
be started, on PostgreSQL: the same batch gives the same scores on both.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from test_pipeline import postgres_url  # noqa: F401 - the PostgreSQL fixture

from kmeans_em_lab.pipeline.driver import stamps, store
from kmeans_em_lab.pipeline.driver.settings import Settings
from kmeans_em_lab.pipeline.shared import scores
from kmeans_em_lab.pipeline.shared.jobs import (
    GRADED,
    ZERO,
    CellResult,
    CommentResult,
    GradedCells,
    GradingResult,
)

COURSE = "toy"
CELLS = {"test_square_public": 1.0, "test_square_hidden": 2.0, "test_add_public": 1.0}
SOLUTIONS = ("square", "add")
# seconds within which a failed writer must have stopped the dispatching thread
WRITER_FAILS_WITHIN = 60.0


def _book(url: str) -> scores.GradebookRef:
    return scores.GradebookRef(url, COURSE, "lab3")


def _gradebook(url: str) -> str:
    with Gradebook(url, COURSE) as gb:
        gb.update_or_create_assignment("lab3")
        gb.update_or_create_notebook("lab3", "lab3")
        for name, points in CELLS.items():
            gb.update_or_create_grade_cell(name, "lab3", "lab3", max_score=points, cell_type="code")
        for name in SOLUTIONS:
            gb.update_or_create_solution_cell(name, "lab3", "lab3")
    return url


@pytest.fixture
def sqlite_url(tmp_path):
    return _gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}")


def _cells(**scores: float) -> GradedCells:
    """The worker's cells: ``scores`` by grade id (the others full marks)."""
    return GradedCells(
        cells=tuple(
            CellResult(
                name,
                scores.get(name, points),
                points,
                (("wrong_result", f"{name} is wrong"),) if name in scores else (),
            )
            for name, points in CELLS.items()
        ),
        comments=(CommentResult("square", None), CommentResult("add", "No response.")),
    )


def _save(url: str) -> dict[str, scores.Saved]:
    """The scenario: ada full marks, bob loses test_square_hidden and is flagged, cy has an
    instructor's score and comment from before, dee got 0 without grading."""
    scores.zero_submissions(_book(url), ["ada", "bob", "cy", "dee"])
    with Gradebook(url, COURSE) as gb:
        gb.find_grade("test_add_public", "lab3", "lab3", "cy").manual_score = 0.5
        gb.find_comment("add", "lab3", "lab3", "cy").manual_comment = "see me"
        gb.db.commit()
    batch = [
        store._to_save(GradingResult("ada", GRADED, cells=_cells())),
        store._to_save(
            GradingResult(
                "bob",
                GRADED,
                cells=_cells(test_square_hidden=0.0),
                flags=["output cut"],
                timestamp="2025-03-01T12:00:00+00:00",
            )
        ),
        store._to_save(GradingResult("cy", GRADED, cells=_cells())),
        store._to_save(GradingResult.not_graded("dee", ZERO, "no notebook", flags=["no notebook"])),
    ]
    return scores.save_results(_book(url), "lab3", batch)


@pytest.mark.parametrize("status", [GRADED, "graded ", "", "unknown"])
def test_a_result_not_graded_has_a_failed_status_and_a_reason(status):
    """A failure is a GradingResult like a grade, told apart by its status and its
    reason: no constructor of one makes a result the writer would take for scores."""
    with pytest.raises(ValueError, match="status"):
        GradingResult.not_graded("ada", status, "lost")
    with pytest.raises(ValueError, match="reason"):
        GradingResult.not_graded("ada", ZERO, "")
    result = GradingResult.not_graded("ada", ZERO, "no notebook", flags=["no notebook"])
    assert (result.status, result.message, result.flags, result.cells) == (
        ZERO, "no notebook", ["no notebook"], None
    )  # fmt: skip


def test_new_submissions_are_saved_without_a_warning_on_the_terminal(sqlite_url):
    """SQLAlchemy's "not in session" warning reached the instructor's terminal whenever a
    gradebook first saw a student (the suite's own filter hides it elsewhere)."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _save(sqlite_url)
    assert [str(w.message) for w in caught] == []


def test_a_batch_is_saved_as_nbgrader_saves_one_result(sqlite_url):
    saved = _save(sqlite_url)
    assert saved == {
        "ada": scores.Saved(4.0, 4.0, False),
        "bob": scores.Saved(2.0, 4.0, False),
        "cy": scores.Saved(3.5, 4.0, True),  # the manual score outranks the automatic one
        "dee": scores.Saved(0.0, 4.0, False),
    }
    with Gradebook(sqlite_url, COURSE) as gb:
        manual = gb.find_grade("test_add_public", "lab3", "lab3", "cy")
        assert (manual.auto_score, manual.manual_score, manual.needs_manual_grade) == (
            1.0,
            0.5,
            True,
        )
        assert not gb.find_grade("test_add_public", "lab3", "lab3", "ada").needs_manual_grade
        assert gb.find_comment("add", "lab3", "lab3", "cy").manual_comment == "see me"
        assert gb.find_comment("add", "lab3", "lab3", "ada").auto_comment == "No response."
        assert gb.find_comment("square", "lab3", "lab3", "ada").auto_comment is None
        bob = gb.find_submission("lab3", "bob")
        assert bob.timestamp.isoformat().startswith("2025-03-01T12:00:00")
        assert [nb.flagged for nb in bob.notebooks] == [True]
        assert [nb.flagged for nb in gb.find_submission("lab3", "ada").notebooks] == [False]
    table = scores.class_scores(_book(sqlite_url))
    for student in table:
        assert table[student] == scores.student_scores(_book(sqlite_url), student)
    assert table["bob"].grades["test_square_hidden"] == (0.0, 2.0)
    assert table["bob"].flagged and not table["ada"].flagged


def test_scores_on_postgresql_equal_those_on_sqlite(sqlite_url, postgres_url):  # noqa: F811
    url = _gradebook(postgres_url)
    assert _save(url) == _save(sqlite_url)
    on_postgres = scores.class_scores(_book(url))
    on_sqlite = scores.class_scores(_book(sqlite_url))
    strip = lambda table: {s: (r.score, r.max_score, r.grades, r.flagged) for s, r in table.items()}  # noqa: E731
    assert strip(on_postgres) == strip(on_sqlite)


def _result(student: str, **scores_: float) -> GradingResult:
    return GradingResult(
        student,
        GRADED,
        log="graded",
        cells=_cells(**scores_),
        autograded={"lab3.ipynb": b'{"cells": []}'},
        feedback={"lab3.html": b"<html></html>"},
    )


def _settings(root: Path) -> Settings:
    return Settings(root=root, workers=1)


def test_the_writer_saves_in_batches_and_keeps_no_files(tmp_path, sqlite_url, monkeypatch):
    settings = _settings(tmp_path)
    scores.zero_submissions(_book(sqlite_url), ["ada", "bob", "cy"])
    batches: list[list[str]] = []
    real = scores.save_results

    def save_results(book, notebook, batch):
        students = [entry.student for entry in batch]
        batches.append(students)
        # the scores are saved before any stamp of the batch is written
        assert not any(stamps.read(tmp_path, "lab3", s) for s in students)
        return real(book, notebook, batch)

    monkeypatch.setattr(scores, "save_results", save_results)
    seen = []
    writer = store.Writer(settings, _book(sqlite_url), "c0ffee", saved=seen.append)
    for student, lost in (("ada", {}), ("bob", {"test_add_public": 0.0}), ("cy", {})):
        writer.put(_result(student, **lost))
    writer.close()
    assert sorted(s for batch in batches for s in batch) == ["ada", "bob", "cy"]
    assert [o["student"] for o in seen] == ["ada", "bob", "cy"]
    kept = _result("ada").outcome()  # what the dispatcher keeps of a result it hands over
    assert not {"autograded", "feedback", "log", "cells"} & set(kept), "files kept"
    for outcome in writer.outcomes.values():
        assert not {"autograded", "feedback", "log", "cells"} & set(outcome), "files kept"
    assert writer.outcomes["bob"]["score"] == 3.0
    assert writer.outcomes["bob"]["causes"]["test_add_public"] == [
        ["wrong_result", "test_add_public is wrong"]
    ]
    stamp = stamps.read(tmp_path, "lab3", "bob")
    assert stamp["course"] == "c0ffee" and stamp["causes"]["test_square_public"] == []
    assert json.loads(json.dumps(stamp)) == stamp
    assert (settings.autograded_dir("bob") / "lab3.ipynb").read_bytes() == b'{"cells": []}'
    assert (settings.feedback_dir("bob") / "lab3.html").is_file()
    assert (settings.logs / "bob.log").read_text() == "graded"


def test_a_writer_that_fails_stops_the_run(tmp_path, sqlite_url, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(scores, "save_results", broken)
    writer = store.Writer(_settings(tmp_path), _book(sqlite_url), "c0ffee")
    raised: list[BaseException] = []

    def dispatch() -> None:
        """The dispatching thread: hands results over, then closes the writer."""
        try:
            writer.put(_result("ada"))
            for _ in range(3 * store.QUEUE_BOUND):  # more than the queue holds
                writer.put(_result("ada"))
            writer.close()
        except BaseException as err:  # noqa: BLE001 - checked below
            raised.append(err)

    # A writer that hangs instead of raising must fail this test, not stall the suite.
    dispatcher = threading.Thread(target=dispatch, daemon=True)
    dispatcher.start()
    dispatcher.join(WRITER_FAILS_WITHIN)
    assert not dispatcher.is_alive(), "put() or close() hung after the writer failed"
    assert len(raised) == 1 and isinstance(raised[0], RuntimeError), raised
    assert "the database went away" in str(raised[0])
    assert stamps.read(tmp_path, "lab3", "ada") is None

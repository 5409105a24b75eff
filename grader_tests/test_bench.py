"""The benchmark's cheap parts in a reduced form: well-formed tables, equal results.

Only shapes and equalities are asserted here, never timings: speed is measured
by ``make bench`` (kmeans_em_lab/bench), not by tests.
"""

from __future__ import annotations

import hashlib

import nbformat
import pytest

from kmeans_em_lab import paths
from kmeans_em_lab.bench import _parts, cells, course, machine, reference
from kmeans_em_lab.bench.report import Section, Table, parse_tables, render
from kmeans_em_lab.bench.timing import loadavg


def _well_formed(section: Section) -> list[list[list[str]]]:
    """The section's tables, read back from the rendered Markdown."""
    text = render(machine.header(loadavg()), [section])
    tables = parse_tables(text)
    assert len(tables) == 1 + 1 + len(section.tables)  # machine, goals, the section's own
    for rows in tables:
        assert len(rows) >= 2, rows  # a header and at least one row
        assert all(cell for cell in rows[0]), rows[0]
    return tables


@pytest.fixture(scope="module")
def part3() -> Section:
    return reference.run(kmeans_rounds=2, em_rounds=1, starts=2)


def test_part3_compares_equal_results(part3):
    kmeans_cmp, em_cmp = part3.data["comparisons"]
    assert kmeans_cmp.difference <= reference.KMEANS_REL
    assert em_cmp.difference < reference.EM_ABS
    for comparison in (kmeans_cmp, em_cmp):
        assert comparison.starts == 2
        assert comparison.reference_iters > 0 and comparison.sklearn_iters > 0
        assert set(comparison.times) == set(reference.THREADS)
        for ref_times, sk_times in comparison.times.values():
            assert len(ref_times) == len(sk_times) > 0


def test_part3_table_is_well_formed(part3):
    tables = _well_formed(part3)
    own = tables[-1]
    assert own[0][0] == "algorithm"
    assert len(own) - 1 == 2 * len(reference.THREADS)  # two algorithms x threads settings
    assert [g.met is not None for g in part3.goals] == [True, True]


def test_part3_refuses_to_time_different_results(gmm, monkeypatch):
    monkeypatch.setattr(reference, "EM_ABS", 0.0)  # no two fits agree to 0
    with pytest.raises(reference.NotEqual):
        reference.compare_em(gmm.X, reference.em_starts(gmm.X, 1), rounds=1)


@pytest.fixture(scope="module")
def part4() -> Section:
    costs = cells.measure(
        ref_passes=1,
        orig_passes=0,
        kernel_ref_passes=0,
        kernel_orig_passes=0,
        slow_correct_passes=0,
    )
    return cells.section(costs)


def test_part4_covers_every_graded_cell_and_the_reference_passes(part4):
    costs = part4.data["costs"]
    graded = [c.id for c in costs.cells if c.points is not None]
    assert graded and set(graded) <= set(part4.data["rows"])
    assert costs.reference.errors == {}, "the source solution must pass every test cell"
    assert set(costs.reference.passes[0]) == {c.id for c in costs.cells}


def test_part4_table_is_well_formed(part4):
    tables = _well_formed(part4)
    own = tables[-1]
    assert own[0][:3] == ["cell", "points", "limit"]
    assert {row[0] for row in own[1:]} >= {"test_EM_hidden", "em_run", "kmeans_run"}
    column = own[0].index("verdict")
    verdicts = {row[column].split(":")[0] for row in own[1:]}
    assert verdicts <= {"ok", "ok (under 2x the original lab)", "TOO LOW"}


@pytest.mark.slow
def test_part4_times_the_original_lab_too():
    costs = cells.measure(
        ref_passes=1,
        orig_passes=1,
        kernel_ref_passes=0,
        kernel_orig_passes=0,
        cap=10.0,
        slow_correct_passes=0,
    )
    section = cells.section(costs)
    _well_formed(section)
    assert costs.original.median("em_run") is not None
    assert "test_Update_public" in costs.original.errors  # its Update gives nan


def test_scratch_copies_are_distinct_files_with_the_same_code(tmp_path):
    examples, _ = course.collect_examples(paths.course_root(), tmp_path / "examples")
    scratch = course.copy_course(paths.course_root(), tmp_path / "course")
    students = course.add_submissions(scratch, examples, len(examples) + 2)
    notebooks = [scratch / "submitted" / s / paths.ASSIGNMENT / paths.NOTEBOOK for s in students]
    digests = {hashlib.sha256(nb.read_bytes()).hexdigest() for nb in notebooks if nb.exists()}
    assert len(digests) == sum(nb.exists() for nb in notebooks)
    first, again = notebooks[0], notebooks[len(examples)]  # two copies of one example
    code = [
        [c.source for c in nbformat.read(p, as_version=4).cells if c.cell_type == "code"]
        for p in (first, again)
    ]
    assert code[0] == code[1]
    assert (scratch / "data").is_dir() and (scratch / "nbgrader_config.py").is_file()


def test_tables_with_ragged_rows_are_rejected():
    table = Table(["a", "b"])
    table.add(1, "x | y")  # a pipe in a cell is escaped
    assert parse_tables(table.markdown()) == [[["a", "b"], ["1", "x \\| y"]]]
    with pytest.raises(ValueError):
        table.add(1, 2, 3)
    with pytest.raises(ValueError):
        parse_tables("| a | b |\n| --- | --- |\n| 1 |\n")


def test_parts_argument():
    assert _parts("4,3") == (3, 4)
    assert _parts("0,1") == (1,)


def test_an_endless_cell_is_stopped_at_its_cap_and_the_pass_goes_on(tmp_path):
    endless = cells.Cell("loop", "loop", "while True:\n    pass", None, limit=30.0)
    after = cells.Cell("after", None, "x = 1", None, limit=30.0)
    timings = cells.Timings()
    cells.run_in_process([endless, after], tmp_path, timings, cap=0.3)
    assert timings.timed_out == {"loop": 0.3}
    assert timings.passes[0]["loop"] >= 0.3 and "after" in timings.passes[0]
    cells.run_in_process([endless, after], tmp_path, timings, cap=0.3)  # not run again
    assert timings.passes[1]["loop"] == 0.3


def test_part1_pairs_each_run_with_nbgrader_in_its_round(tmp_path):
    """The goal's pair runs every round, the other worker counts only in the first:
    each speed-up must use nbgrader's time of the same round."""
    from kmeans_em_lab.bench import grading

    def run(label, seconds):
        return grading.Run(label, seconds, 0, tmp_path / "log", (0.0, 0.0, 0.0))

    runs = {
        "nbgrader": [run("nbgrader", s) for s in (100.0, 120.0, 80.0)],
        "w2": [run("w2", s) for s in (50.0, 40.0, 50.0)],
        "w1": [run("w1", 80.0)],
        "w4": [run("w4", 40.0)],
    }
    examples = [course.Example("ada_correct", tmp_path)]
    section = grading._throughput_section(runs, 2, ["b00-ada_correct"] * 4, examples, "test")
    speedups = section.data["speedups"]
    assert speedups["w2"] == pytest.approx(2.0)  # median of 2.0, 3.0, 1.6
    assert speedups["w1"] == pytest.approx(1.25)  # 100 / 80, round 1 only
    assert speedups["w4"] == pytest.approx(2.5)
    (goal,) = section.goals
    assert goal.met is True
    tables = _well_formed(section)
    runs_column = [row[2] for row in tables[2][1:]]
    assert runs_column == ["3", "1", "3", "1"]  # nbgrader, then workers 1, 2, 4

"""The benchmark's cheap parts in a reduced form: well-formed tables, equal results.

Only shapes and equalities are asserted here, never timings: speed is measured
by ``make bench`` (lab3_dev/bench), not by tests.
"""

from __future__ import annotations

import argparse
import hashlib

import nbformat
import pytest

from kmeans_em_lab.course import paths
from lab3_dev.bench import cells, course, machine, reference, scale
from lab3_dev.bench.command import _parts
from lab3_dev.bench.report import Section, Table, parse_tables, render
from lab3_dev.bench.timing import loadavg


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
    assert _parts("4,3") == ("3", "4", "4b")  # 4 is the hidden tests' cells and the probes
    assert _parts("4b") == ("4b",)
    assert _parts("0,1") == ("1a", "1b")  # 1 is all of part 1's pieces
    assert _parts("1b,5") == ("1b", "5")
    assert _parts("0") == ()
    with pytest.raises(argparse.ArgumentTypeError):
        _parts("1d")


def test_an_endless_cell_is_stopped_at_its_cap_and_the_pass_goes_on(tmp_path):
    endless = cells.Cell("loop", "loop", "while True:\n    pass", None, limit=30.0)
    after = cells.Cell("after", None, "x = 1", None, limit=30.0)
    timings = cells.Timings()
    cells.run_in_process([endless, after], tmp_path, timings, cap=0.3)
    assert timings.timed_out == {"loop": 0.3}
    assert timings.passes[0]["loop"] >= 0.3 and "after" in timings.passes[0]
    cells.run_in_process([endless, after], tmp_path, timings, cap=0.3)  # not run again
    assert timings.passes[1]["loop"] == 0.3


def _run(label, seconds, tmp_path, scores=None):
    from lab3_dev.bench import grading

    run = grading.Run(label, seconds, 0, tmp_path / "log", (0.0, 0.0, 0.0))
    run.scores = dict(scores or {})
    return run


def _goal(section, text):
    (goal,) = [g for g in section.goals if text in g.name]
    return goal


def test_part1_pairs_each_run_with_nbgrader_in_its_round(tmp_path):
    """The goals' runs go every round, the other worker counts only in the first:
    each speed-up must use nbgrader's time of the same round, and the sandbox's cost
    the --no-sandbox run of the same round."""
    from lab3_dev.bench import grading

    scores = {"b00-ada_correct": 100.0, "b01-grace_original": 42.5}
    runs = {
        "nbgrader": [_run("nbgrader", s, tmp_path, scores) for s in (100.0, 120.0, 80.0)],
        "w2": [_run("w2", s, tmp_path, scores) for s in (50.0, 40.0, 50.0)],
        "w2-no-sandbox": [_run("w2 plain", s, tmp_path, scores) for s in (40.0, 40.0, 50.0)],
        "w1": [_run("w1", 80.0, tmp_path, scores)],
        "w4": [_run("w4", 40.0, tmp_path, scores)],
        "s3": [_run("s3", 50.0, tmp_path, scores)],
    }
    examples = [course.Example("ada_correct", tmp_path)]
    section = grading._throughput_section(runs, 2, ["b00-ada_correct"] * 4, examples, "test")
    speedups = section.data["speedups"]
    assert speedups["w2"] == pytest.approx(2.0)  # median of 2.0, 3.0, 1.6
    assert speedups["w2-no-sandbox"] == pytest.approx(2.5)  # median of 2.5, 3.0, 1.6
    assert speedups["w1"] == pytest.approx(1.25)  # 100 / 80, round 1 only
    assert speedups["w4"] == pytest.approx(2.5)
    assert speedups["s3"] == pytest.approx(2.0)  # on the dask scheduler, round 1 only
    assert section.data["sandbox_cost"] == pytest.approx(1.0)  # median of 1.25, 1.0, 1.0
    assert _goal(section, "vs sequential nbgrader").met is False  # 2.0 < 2.3
    pool = _goal(section, "no loss against the earlier process pool (4 submissions")
    assert pool.met is True and "0.99x" in pool.measured  # the pool's recorded quick figure
    sandbox = _goal(section, "sandbox costs at most 10% (part 1a, default workers")
    assert sandbox.met is True and sandbox.target.startswith(f"<= {grading.SANDBOX_COST_GOAL:.2f}x")
    assert len(section.goals) == 3
    tables = _well_formed(section)
    main, cost = tables[2], tables[3]
    assert main[0][:4] == ["command", "workers", "sandbox", "runs"]
    assert [row[1:4] for row in main[1:]] == [
        ["1 (sequential)", "-", "3"],
        ["1", "on", "1"],
        ["2", "on", "3"],
        ["2", "off", "3"],
        ["3", "on", "1"],
        ["4", "on", "1"],
    ]
    assert "--no-sandbox" in main[4][0]
    assert "--scheduler" in main[5][0]
    assert cost[0][0] == "pipeline" and "ratio sandbox / no-sandbox" in cost[0]
    (row,) = cost[1:]
    assert row[cost[0].index("pairs")] == "3"
    assert row[cost[0].index("ratio sandbox / no-sandbox")] == "1.00x"
    assert row[cost[0].index("scores sandbox vs no-sandbox")] == "; ".join(["identical"] * 3)


def test_the_sandbox_goal_fails_when_scores_differ_or_it_costs_too_much(tmp_path):
    from lab3_dev.bench import grading

    same, other = {"s": 10.0}, {"s": 9.0}
    section = Section("t")
    grading._sandbox_cost(
        section, 1, "x", [_run("a", 10.0, tmp_path, same)], [_run("b", 10.0, tmp_path, other)]
    )
    assert section.goals[-1].met is False and "scores differ" in section.goals[-1].measured
    grading._sandbox_cost(
        section, 1, "x", [_run("a", 12.0, tmp_path, same)], [_run("b", 10.0, tmp_path, same)]
    )
    assert section.goals[-1].met is False and section.goals[-1].measured == "1.20x"
    grading._sandbox_cost(section, 1, "x", [], [])
    assert section.goals[-1].met is None  # not measured


def test_part2_compares_the_sandboxed_pipeline_with_the_floor_and_no_sandbox(tmp_path):
    from lab3_dev.bench import grading

    scores = {"b00-ada_correct": 100.0}

    def runs_of(label, times):
        return [_run(label, t, tmp_path, scores) for t in times]

    runs = {
        "floor": runs_of("floor", (10.0, 10.0, 10.0)),
        "pipeline": runs_of("pipeline", (12.0, 13.0, 11.0)),
        "pipeline-no-sandbox": runs_of("plain", (11.0, 12.0, 11.0)),
        "nbgrader": runs_of("nbgrader", (14.0, 14.0, 14.0)),
    }
    section = grading._overhead_section(runs, course.Example("ada_correct", tmp_path), "test")
    ratios = section.data["ratios"]
    assert ratios["pipeline"] == pytest.approx(1.2)  # the goal: the sandboxed pipeline
    assert ratios["pipeline-no-sandbox"] == pytest.approx(1.1)
    assert ratios["sandbox"] == pytest.approx(13.0 / 12.0)  # median of 12/11, 13/12, 11/11
    assert _goal(section, "pipeline (sandboxed) vs executing it").met is True
    assert _goal(section, "sandbox costs at most 10% (part 2, one submission)").met is True
    assert len(section.goals) == 2
    tables = _well_formed(section)
    main, cost = tables[2], tables[3]
    assert [row[0] for row in main[1:]] == [
        "jupyter nbconvert --execute (floor)",
        "python -m kmeans_em_lab grade --workers 1 (one submission, sandboxed)",
        "the same with --no-sandbox",
        "nbgrader autograde lab3 --student S",
    ]
    assert [row[4] for row in main[1:]] == ["1.00x", "1.20x", "1.10x", "1.40x"]
    (row,) = cost[1:]
    assert row[0] == "one submission" and row[cost[0].index("pairs")] == "3"


def test_a_run_of_some_parts_keeps_the_others_sections(tmp_path):
    """--parts 1,2 rewrites parts 1 and 2 only: parts 3-5 stay, marked, goals included."""
    from lab3_dev.bench import report

    def section(title, goal, measured):
        sec = Section(title, "intro")
        sec.table("", ["a", "b"]).add(1, 2)
        sec.goals.append(report.Goal(goal, measured, "x", True))
        return sec

    earlier = render(
        machine.header(loadavg(), command="python -m kmeans_em_lab bench"),
        [section("1. One", "1. goal one", "old"), section("3. Three", "3. goal three", "3x")],
    )
    kept, described = report.earlier_sections(earlier, (1, 2))
    assert [s.title for s in kept] == ["3. Three"]
    assert "python -m kmeans_em_lab bench" in described
    (goal,) = kept[0].goals
    assert (goal.name, goal.measured, goal.met, goal.run) == (
        "3. goal three",
        "3x",
        True,
        "earlier run",
    )
    again = render(machine.header(loadavg()), [section("1. One", "1. goal one", "new"), *kept])
    tables = parse_tables(again)
    goals = tables[1]
    assert goals[0] == report.GOAL_COLUMNS
    assert [row[0] for row in goals[1:]] == ["1. goal one", "3. goal three"]
    assert [row[-1] for row in goals[1:]] == ["this run", "earlier run"]
    assert again.count(report.KEPT_MARK) == 1
    kept_twice, _ = report.earlier_sections(again, (1,))
    assert kept_twice[0].intro.count(report.KEPT_MARK) == 1  # marked once, not per run


def _section(title: str, goal: str) -> Section:
    """A results section with a table and one met goal."""
    from lab3_dev.bench import report

    sec = Section(title, "intro")
    sec.table("", ["a", "b"]).add(1, 2)
    sec.goals.append(report.Goal(goal, "x", "y", True))
    return sec


def test_a_run_of_one_piece_of_part_1_keeps_the_other_pieces(tmp_path):
    """--parts 1b rewrites 1b only: 1a stays with its own goals, not 1b's."""
    from lab3_dev.bench import report

    earlier = render(
        machine.header(loadavg(), command="python -m kmeans_em_lab bench --parts 1"),
        [_section("1a. Throughput", "1a. goal a"), _section("1b. Floor", "1b. goal b")],
    )
    kept, _ = report.earlier_sections(earlier, ("1b",))
    assert [s.title for s in kept] == ["1a. Throughput"]
    assert [g.name for g in kept[0].goals] == ["1a. goal a"]
    # an older file's bare "1. ..." section is part 1 as a whole: replaced by any piece
    old = render(machine.header(loadavg()), [_section("1. Throughput", "1. goal")])
    assert report.earlier_sections(old, ("1b",))[0] == []
    assert [s.title for s in report.earlier_sections(old, ("2",))[0]] == ["1. Throughput"]


def test_a_run_of_a_lettered_part_keeps_the_bare_part_of_its_number():
    """--parts 4b rewrites 4b only: part 4, a part of its own, stays with its goals."""
    from lab3_dev.bench import report

    earlier = render(
        machine.header(loadavg()),
        [_section("4. Hidden tests", "4. goal"), _section("4b. Probes", "4b. goal")],
    )
    kept, _ = report.earlier_sections(earlier, ("4b",))
    assert [s.title for s in kept] == ["4. Hidden tests"]
    assert [g.name for g in kept[0].goals] == ["4. goal"]
    assert report.earlier_sections(earlier, ("4", "4b"))[0] == []


def _timed_notebook(path, spans):
    nb = nbformat.v4.new_notebook()
    for i, (busy, idle) in enumerate(spans):
        cell = nbformat.v4.new_code_cell("x = 1", id=f"c{i}")
        cell.metadata["execution"] = {
            "iopub.status.busy": f"2026-12-02T00:00:{busy:09.6f}Z",
            "iopub.status.idle": f"2026-12-02T00:00:{idle:09.6f}Z",
        }
        nb.cells.append(cell)
    nb.cells.append(nbformat.v4.new_markdown_cell("text"))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def test_part1b_reads_the_cells_time_from_the_notebooks_timestamps(tmp_path):
    from lab3_dev.bench import floor

    folder = tmp_path / "autograded" / "b00-ada" / paths.ASSIGNMENT
    _timed_notebook(folder / paths.NOTEBOOK, [(1.0, 1.5), (2.0, 4.25)])
    assert floor.cell_seconds(folder / paths.NOTEBOOK) == pytest.approx(2.75)
    assert floor.notebooks_cell_seconds(tmp_path) == {"b00-ada": pytest.approx(2.75)}
    assert floor.cell_seconds(tmp_path / "missing.ipynb") is None


def _execution(seconds, tmp_path, errors=0, load=(1.0, 2.0, 3.0)):
    from lab3_dev.bench import floor

    return floor.Execution(seconds, [0, 0], load, 4, 2, 30.0, errors, tmp_path / "log")


def test_part1b_compares_make_grade_with_the_measured_floor_of_the_same_round(tmp_path):
    from lab3_dev.bench import floor

    scores = {f"b0{i}-ada": 100.0 for i in range(4)}
    nbgrader = [_run("nbgrader", s, tmp_path, scores) for s in (40.0, 44.0)]
    for run in nbgrader:
        run.cells = {s: 4.0 for s in scores}  # 16 s in cells
    pipe = [_run("pipeline", s, tmp_path, scores) for s in (20.0, 30.0)]
    # the floor measured: 25 s then 20 s, so ratios 0.8 and 1.5 round by round
    executed = [_execution(25.0, tmp_path, load=(0.5, 0.6, 0.7)), _execution(20.0, tmp_path)]
    kernel = [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]  # modelled (16 + 4) / 2 = 10, (16 + 8) / 2 = 12
    dispatch = [{"start": 5.0, "run": 0.4, "close": 3.0, "slots": 4, "statuses": ["graded"]}]
    for run in nbgrader:
        run.sampler, run.cpu = FakeSampler(kernel=18.0, command=20.0), 40.0
    for run in pipe:
        run.sampler, run.cpu = FakeSampler(kernel=24.0, worker=12.0, command=4.0), 42.0
    runs = {
        "nbgrader": nbgrader,
        "kernel": kernel,
        "execute": executed,
        "pipeline": pipe,
        "dispatch": dispatch,
    }
    section = floor.section(runs, "ada", "test", 4, 4, 2, bundle_seconds=3.0)
    assert section.data["floors"] == pytest.approx([25.0, 20.0])
    assert section.data["modelled"] == pytest.approx([10.0, 12.0])
    assert section.data["ratio"] == pytest.approx((0.8 + 1.5) / 2)  # per-round ratios
    goal = _goal(section, "the floor: executing the same notebooks (4 correct submissions")
    assert goal.met is False and goal.measured == "1.15x" and goal.target == "<= 0.9x"
    assert _goal(section, "scheduling overhead per submission").measured == "100 ms"
    tables = _well_formed(section)
    main = tables[2]
    assert [row[0].split(":")[0] for row in main[1:]] == [
        "floor",
        "modelled floor (earlier method, for reference)",
        "nbgrader autograde lab3 (sequential)",
        "make grade --force (4 workers, sandboxed)",
    ]
    assert main[1][main[0].index("load at start")] == "0.50 / 0.60 / 0.70"
    assert main[4][main[0].index("scores vs nbgrader")] == "identical; identical"
    assert main[4][main[0].index("ratio to the floor")] == "1.15x"
    rounds = tables[3]
    assert [row[rounds[0].index("ratio")] for row in rounds[1:]] == ["0.80x", "1.50x"]
    assert [row[rounds[0].index("order")] for row in rounds[1:]] == [
        "floor first",
        "make grade first",
    ]
    assert rounds[1][rounds[0].index("load before the floor")] == "0.50 / 0.60 / 0.70"
    cpu, beyond = tables[5], tables[6]
    assert [row[0] for row in cpu[1:]] == ["nbgrader autograde lab3", "make grade --force"]
    assert cpu[2][cpu[0].index("others (sandbox launchers, ...)")] == "2 s"
    for row, wall in zip(section.data["beyond"], (20.0, 30.0), strict=True):
        parts = [row[k] for k in floor.BEYOND[:-1]]
        assert sum(parts) == pytest.approx(wall)  # the lines add up to the wall time
    assert [r[0] for r in beyond[1:]] == list(floor.BEYOND)
    assert beyond[1][1] == "12 s"  # the kernels' 24 s of CPU on 2 cores

    fast = [_execution(25.0, tmp_path), _execution(40.0, tmp_path)]  # ratios 0.8, 0.75
    section = floor.section({**runs, "execute": fast}, "ada", "test", 4, 4, 2)
    assert _goal(section, "executing the same notebooks").met is True
    broken = [_execution(25.0, tmp_path, errors=3), _execution(40.0, tmp_path)]
    section = floor.section({**runs, "execute": broken}, "ada", "test", 4, 4, 2)
    goal = _goal(section, "executing the same notebooks")
    assert goal.met is False and "3 error cell(s)" in goal.measured


def test_part1b_floor_executes_every_notebook_in_lanes_and_counts_errors(tmp_path):
    """The floor's own runner: nbconvert on fresh copies, one process per lane, the
    executed notebooks' error cells counted (a plain kernel, real execution)."""
    from lab3_dev.bench import course as scratch
    from lab3_dev.bench import floor

    notebooks = [tmp_path / f"n{i}.ipynb" for i in range(5)]
    assert floor.lanes_of(notebooks, 2) == [notebooks[0::2], notebooks[1::2]]
    assert floor.lanes_of(notebooks[:1], 2) == [notebooks[:1]]

    kept = tmp_path / "kept"
    for student, code in (("ok", "x = 1"), ("bad", "raise ValueError('no')")):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        nb.cells += [nbformat.v4.new_code_cell(code), nbformat.v4.new_code_cell("y = 2")]
        path = kept / student / paths.ASSIGNMENT / paths.NOTEBOOK
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    env = scratch.environment(tmp_path)
    done = floor.execute_notebooks(kept, tmp_path / "work", 2, env, tmp_path / "log")
    assert (done.notebooks, done.lanes, done.returncodes) == (2, 2, [0, 0])
    assert done.errors == 1 and done.seconds > 0 and done.cpu > 0
    executed = tmp_path / "work" / "ok" / paths.ASSIGNMENT / paths.NOTEBOOK
    assert nbformat.read(executed, as_version=4).cells[0].execution_count == 1
    kept_copy = kept / "ok" / paths.ASSIGNMENT / paths.NOTEBOOK
    assert nbformat.read(kept_copy, as_version=4).cells[0].execution_count is None


class FakeSampler:
    def __init__(self, **cpu):
        self._cpu = cpu

    def cpu(self, role):
        return self._cpu.get(role, 0.0)


def test_the_results_file_is_well_formed_and_has_every_goal():
    """bench/results.md as committed: tables parse, and every goal of parts 1-6 is there."""
    from lab3_dev.bench import report

    text = (paths.course_root() / "bench" / "results.md").read_text()
    tables = parse_tables(text)
    for rows in tables:
        assert len(rows) >= 2 and all(rows[0]), rows
    goals = tables[1]
    assert goals[0] == report.GOAL_COLUMNS
    names = [row[0] for row in goals[1:]]
    for expected in (
        "1a. make grade (local Dask, default workers",
        "1a. no loss against the earlier process pool",
        "1a. sandbox costs at most 10% (part 1a, default workers",
        "1b. make grade --force / the floor",
        "1b. Dask's scheduling overhead per submission",
        "2. one submission through the pipeline (sandboxed) vs executing it",
        "2. sandbox costs at most 10% (part 2, one submission)",
        "3. reference K-Means",
        "3. reference EM",
        "4. every time limit",
        "5. peak RSS",
        "6. the driver saves results",
        "6. class report for 10,000 students",
    ):
        assert sum(name.startswith(expected) for name in names) == 1, (expected, names)
    titles = [title for title, _ in report.split_sections(text)]
    assert titles[:2] == ["Machine", "Goals"]
    numbered = [t.split(".")[0] for t in titles[2:-1]]
    assert numbered[:8] == ["1a", "1b", "2", "3", "4", "4b", "5", "6"], numbered
    assert titles[-1] == scale.TITLE  # the model last, after every part
    assert scale.largest_cores(scale.read(text)), "the model's figures are all in the file"


SCALE_INPUT = """## Machine

## 1b. The floor: correct submissions

*From a --quick run.* 4 copies of the correct example `ada` (test).

| command | wall time | CPU, all | kernels | worker processes |
| --- | --- | --- | --- | --- |
| nbgrader autograde lab3 | 50 s | 40 s | 30 s | - |
| make grade --force | 30 s | 50 s | 24 s | 16 s |

| cluster start (workers up, nbgrader imported) | dispatch and collect all | per submission |
| --- | --- | --- |
| 6 s | 200 ms | 50 ms |

## 6. The driver at class size (simulation)

| database | students | results per second | class report (CSV, table, page) |
| --- | --- | --- | --- |
| sqlite | 200 | 100 | 500 ms |
| postgresql | 200 | 40 | 800 ms |
| sqlite | 2,000 | 90 | 4 s |
"""


def test_the_scale_model_reads_its_figures_from_the_parts_and_applies_the_formula():
    figures = scale.read(SCALE_INPUT)
    assert figures.cpu == pytest.approx((24 + 16) / 4)  # kernels + workers, per submission
    assert figures.rate == 40  # the slowest run
    assert figures.cluster_start == 6 and figures.dispatch == pytest.approx(0.05)
    assert figures.reports == {200: pytest.approx(0.8), 2000: 4}  # the slower database
    # start-up (6 s + the report of the nearest size: 2,000) + max(N x 10 s / W, N / 40)
    assert scale.estimate(figures, 1000, 4) == (pytest.approx(6 + 4 + 2500), "cores")
    assert scale.estimate(figures, 300, 4)[0] == pytest.approx(6 + 0.8 + 750)  # near 200
    assert scale.estimate(figures, 1600, 1000) == (pytest.approx(6 + 4 + 40), "driver")
    assert scale.largest_cores(figures) == 400  # 10 s x 40 a second
    assert scale.scheduler_cores(figures) == 200  # 10 s / 50 ms
    section = scale.section(SCALE_INPUT)
    assert not section.goals  # a model: no goal of its own
    figures_table, times = parse_tables(section.markdown())
    assert times[0][:3] == ["students", "1 core", "2 cores"]
    row = next(r for r in times if r[0] == "1,000")
    assert row[1] == "2 h 47 min"  # 10 s + 1000 x 10 s
    assert row[-2] == "49 s"  # 256 cores: 10 s + 1000 x 10 s / 256
    assert row[-1] == "35 s (driver)"  # 512 cores: 10 s + 1000 / 40
    assert scale.fmt_duration(45) == "45 s" and scale.fmt_duration(600) == "10 min"
    assert figures_table[1][1] == "10 s"
    empty = scale.section("## Machine\n")
    assert all(cell == "-" for row in parse_tables(empty.markdown())[1][1:] for cell in row[1:])


def test_processes_are_classified_kernels_workers_launchers():
    from lab3_dev.bench import memory

    class Proc:
        def __init__(self, pid, *argv):
            self.pid, self.argv = pid, list(argv)

        def cmdline(self):
            return self.argv

    kernel = ["/venv/bin/python", "-m", "ipykernel_launcher", "-f", "k.json"]
    assert memory.classify(Proc(2, *kernel), 1) == "kernel"
    for launcher in ("/usr/bin/prlimit", "/usr/bin/bwrap", "/bin/sh"):
        assert memory.classify(Proc(3, launcher, "--", *kernel), 1) == "other"
    assert memory.classify(Proc(1, *kernel), 1) == "command"
    forked = [
        "/venv/bin/python",
        "-B",
        "-c",
        "from multiprocessing.forkserver import main; main(3)",
    ]
    spawned = [
        "/venv/bin/python",
        "-c",
        "from multiprocessing.spawn import spawn_main; spawn_main()",
    ]
    tracker = [
        "/venv/bin/python",
        "-c",
        "from multiprocessing.resource_tracker import main;main(9)",
    ]
    assert memory.classify(Proc(4, *forked), 1) == "worker"  # the local cluster's workers
    assert memory.classify(Proc(5, *spawned), 1) == "worker"  # a spawned worker
    assert memory.classify(Proc(6, *tracker), 1) == "other"

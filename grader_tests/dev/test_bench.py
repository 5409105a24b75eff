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
from lab3_dev.bench import cells, course, floor, grading, machine, reference, report, runs, scale
from lab3_dev.bench.command import _parts
from lab3_dev.bench.dispatch import Dispatch
from lab3_dev.bench.memory import classify
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


def _goal(section: Section, text: str) -> report.Goal:
    (goal,) = [g for g in section.goals if text in g.name]
    return goal


def _column(rows: list[list[str]], name: str) -> list[str]:
    return [row[rows[0].index(name)] for row in rows[1:]]


# ----------------------------------------------------------------------------- part 3


@pytest.fixture(scope="module")
def part3() -> Section:
    return reference.run(kmeans_rounds=2, em_rounds=1, starts=2)


def test_part3_compares_equal_results(part3):
    kmeans_cmp, em_cmp = part3.data["comparisons"]
    assert kmeans_cmp.difference <= reference.KMEANS_REL
    assert em_cmp.difference < reference.EM_ABS
    for comparison in (kmeans_cmp, em_cmp):
        assert comparison.starts == 2
        assert min(comparison.iterations) > 0
        assert set(comparison.times) == set(reference.THREADS)
        for ref_times, sk_times in comparison.times.values():
            assert len(ref_times) == len(sk_times) > 0


def test_part3_table_is_well_formed(part3):
    own = _well_formed(part3)[-1]
    assert own[0][0] == "algorithm"
    assert len(own) - 1 == 2 * len(reference.THREADS)  # two algorithms x threads settings
    assert [g.met is not None for g in part3.goals] == [True, True]


def test_part3_refuses_to_time_different_results(gmm, monkeypatch):
    monkeypatch.setattr(reference, "EM_ABS", 0.0)  # no two fits agree to 0
    with pytest.raises(reference.NotEqual):
        reference.compare_em(gmm.X, reference.em_starts(gmm.X, 1), rounds=1)


# ----------------------------------------------------------------------------- part 4


@pytest.fixture(scope="module")
def part4() -> Section:
    return cells.section(cells.measure(ref_passes=1, orig_passes=0))


def test_part4_covers_every_graded_cell_and_the_reference_passes(part4):
    costs = part4.data["costs"]
    graded = [c.id for c in costs.cells if c.points is not None]
    assert graded and set(graded) <= set(part4.data["rows"])
    assert costs.reference.errors == {}, "the source solution must pass every test cell"
    assert costs.reference.stopped == {}
    assert set(costs.reference.passes[0]) == {c.id for c in costs.cells}


def test_part4_table_is_well_formed(part4):
    own = _well_formed(part4)[-1]
    assert own[0][:3] == ["cell", "points", "limit"]
    assert {row[0] for row in own[1:]} >= {"test_EM_hidden", "em_run", "kmeans_run"}
    assert {v.split(":")[0] for v in _column(own, "verdict")} <= {"ok", "TOO LOW"}
    assert part4.goals[0].met is not None


@pytest.mark.slow
def test_part4_times_the_original_lab_too():
    costs = cells.measure(ref_passes=0, orig_passes=1, cap=10.0)
    section = cells.section(costs)
    _well_formed(section)
    assert "test_Update_public" in costs.original.errors  # its Update gives nan
    assert costs.original.stopped, "its EM never ends on one cell: stopped at the cap"
    assert all(cap <= 10.0 for cap in costs.original.stopped.values())


def test_an_endless_cell_is_stopped_at_its_cap_and_the_pass_goes_on(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("while True:\n    pass", id="loop"),
        nbformat.v4.new_code_cell("x = 1", id="after"),
    ]
    timings = cells.Timings()
    cells.run_in_kernel(nb, tmp_path, timings, cap=1.0)
    assert timings.stopped == {"loop": 1.0}
    assert timings.passes[0]["loop"] >= 1.0 and "after" in timings.passes[0]
    assert timings.errors == {} and timings.median("loop") is None
    cells.run_in_kernel(nb, tmp_path, timings, cap=1.0)  # given a second, counted at its cap
    assert timings.passes[1]["loop"] == 1.0


# ----------------------------------------------------------------------------- the scratch course


def test_scratch_copies_are_distinct_files_with_the_same_code(tmp_path):
    examples = course.examples(paths.course_root())
    students = course.add_submissions(tmp_path, examples, len(examples) + 2)
    notebooks = [paths.Course.at(tmp_path).submitted(s) / paths.NOTEBOOK for s in students]
    digests = {hashlib.sha256(nb.read_bytes()).hexdigest() for nb in notebooks}
    assert len(digests) == len(notebooks)
    first, again = notebooks[0], notebooks[len(examples)]  # two copies of one example
    code = [
        [c.source for c in nbformat.read(p, as_version=4).cells if c.cell_type == "code"]
        for p in (first, again)
    ]
    assert code[0] == code[1]
    assert "correct" in course.correct_example(examples).name


def test_the_floor_executes_every_notebook_in_lanes_from_fresh_copies(tmp_path):
    """The floor's runner: nbconvert on fresh copies, one process per lane, a failing
    cell makes its lane exit non-zero (a plain kernel, real execution)."""
    folders = []
    for student, code in (("ok", "x = 1"), ("bad", "raise ValueError('no')")):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        nb.cells += [nbformat.v4.new_code_cell(code), nbformat.v4.new_code_cell("y = 2")]
        folders.append(tmp_path / student)
        folders[-1].mkdir()
        nbformat.write(nb, folders[-1] / paths.NOTEBOOK)
    env = course.environment(tmp_path)
    done = runs.execute(folders, tmp_path / "work", 2, env, tmp_path / "log")
    assert done.returncode != 0 and done.seconds > 0 and done.cpu > 0
    assert done.sampler is not None and done.sampler.peaks("command")
    executed = tmp_path / "work" / "000" / paths.NOTEBOOK
    assert nbformat.read(executed, as_version=4).cells[0].execution_count == 1
    original = folders[0] / paths.NOTEBOOK
    assert nbformat.read(original, as_version=4).cells[0].execution_count is None


# ----------------------------------------------------------------------------- parts 1a, 1b, 2, 5


def _run(label, seconds, tmp_path, scores=None, **cpu) -> runs.Run:
    (tmp_path / "log").write_text("the run's output\n")
    run = runs.Run(label, seconds, 0, (0.5, 0.6, 0.7), tmp_path / "log")
    run.scores = dict(scores or {})
    run.cpu = cpu.pop("total", 0.0)
    if cpu:
        run.sampler = FakeSampler(**cpu)
    return run


class FakeSampler:
    def __init__(self, **cpu):
        self._cpu = cpu
        self.max_total = 3 * 2**20

    def cpu(self, role):
        return self._cpu.get(role, 0.0)

    def peaks(self, role):
        return [2**20 * (1 + len(role))] if role in self._cpu else []


SCORES = {"b00-ada_correct": 100.0, "b01-grace_original": 42.5}


def test_part1a_pairs_each_run_with_nbgrader_in_its_round(tmp_path):
    default, plain = grading.DEFAULT, grading.PLAIN
    found = {
        grading.NBGRADER: [_run("n", s, tmp_path, SCORES) for s in (100.0, 120.0, 80.0)],
        default: [_run("d", s, tmp_path, SCORES, worker=1) for s in (50.0, 40.0, 50.0)],
        plain: [_run("p", s, tmp_path, SCORES) for s in (50.0, 40.0, 40.0)],
    }
    found[plain][2].scores = {"b00-ada_correct": 100.0}  # a student missing in one round
    section = grading.throughput_section(found, 4, 40, "ada_correct, grace_original")
    main = _well_formed(section)[2]
    assert _column(main, "command") == list(found)
    speedups = ["1.00x", "2.00x", "2.00x"]
    assert _column(main, "speed-up vs nbgrader autograde lab3") == speedups
    assert _column(main, "ratio per round")[1] == "2.00x, 3.00x, 1.60x"  # round by round
    scores = _column(main, "scores vs nbgrader autograde lab3")
    assert scores[:2] == ["baseline", "identical; identical; identical"]
    assert scores[2] == "identical; identical; different students (1 vs 2)"
    assert _goal(section, "vs sequential nbgrader").met is False  # 2.0 < 2.3
    sandbox = _goal(section, "sandbox costs at most 10% (part 1a, default workers (4))")
    # median of 1.0, 1.0, 1.25; the missing student makes it fail
    assert sandbox.met is False and sandbox.measured == "1.00x; scores differ"
    assert len(section.goals) == 2

    memory = grading.memory(found, 4, 2)
    rows = _well_formed(memory)[2]
    assert _column(rows, "workers (max)")[1] == "7 MiB"  # the fake "worker" role
    assert _goal(memory, "peak RSS of a grading worker over 2 submissions").met is True


def test_the_sandbox_goal_fails_when_scores_differ_or_it_costs_too_much(tmp_path):
    same, other = {"s": 10.0}, {"s": 9.0}
    goal = runs.sandbox_goal(
        "1a", "x", [_run("a", 10.0, tmp_path, same)], [_run("b", 10.0, tmp_path, other)]
    )
    assert goal.met is False and "scores differ" in goal.measured
    goal = runs.sandbox_goal(
        "1a", "x", [_run("a", 12.0, tmp_path, same)], [_run("b", 10.0, tmp_path, same)]
    )
    assert goal.met is False and goal.measured == "1.20x"
    assert runs.sandbox_goal("1a", "x", [], []).met is None  # not measured


def test_parts_1b_and_2_compare_make_grade_with_the_floor_of_the_same_round(tmp_path):
    scores = {f"b0{i}-ada": 100.0 for i in range(4)}
    found = {
        floor.NBGRADER: [
            _run("n", s, tmp_path, scores, kernel=18.0, command=20.0, total=40.0)
            for s in (40.0, 44.0)
        ],
        floor.FLOOR: [_run("f", s, tmp_path, kernel=8.0, command=2.0) for s in (25.0, 20.0)],
        floor.GRADE: [
            _run("g", s, tmp_path, scores, kernel=24.0, worker=12.0, command=4.0, total=42.0)
            for s in (20.0, 30.0)
        ],
    }
    dispatches = [Dispatch(5.0, 0.4, 3.0, 4, ["graded"])]
    section = floor.section("1b", found, dispatches, "ada", 4, 4, 2)
    goal = _goal(section, "the floor: executing the same notebooks (4 correct submissions")
    assert goal.met is False and goal.measured == "1.15x" and goal.target == "<= 0.9x"
    assert _goal(section, "scheduling overhead per submission").measured == "100 ms"
    main, cpu, dask = _well_formed(section)[2:]
    assert _column(main, "ratio to floor") == ["1.90x", "1.00x", "1.15x"]
    assert _column(main, "ratio per round")[2] == "0.80x, 1.50x"
    scores = ["baseline", "-", "identical; identical"]
    assert _column(main, "scores vs nbgrader autograde lab3") == scores
    assert _column(main, "load at start")[0] == "0.50 / 0.60 / 0.70"
    assert _column(cpu, "command") == [floor.NBGRADER, floor.FLOOR, floor.GRADE]
    assert _column(cpu, "others")[2] == "2 s"  # 42 - 24 - 12 - 4
    assert _column(dask, "per submission") == ["100 ms"]
    figures = scale.read(render(machine.header(loadavg()), [section]))
    assert figures.cpu == pytest.approx((24 + 12) / 4) and figures.cluster_start == 5.0

    found[floor.FLOOR][0].returncode = 1
    goal = _goal(floor.section("1b", found, [], "ada", 4, 4, 2), "executing the same notebooks")
    assert goal.met is False and "a floor run failed" in goal.measured

    one = {"b00-ada": 100.0}
    found = {
        label: [_run(label, t, tmp_path, one if label != floor.FLOOR else {}) for t in times]
        for label, times in (
            (floor.NBGRADER, (14.0, 14.0, 14.0)),
            (floor.FLOOR, (10.0, 10.0, 10.0)),
            (floor.GRADE, (12.0, 13.0, 11.0)),
            (floor.PLAIN, (11.0, 12.0, 11.0)),
        )
    }
    section = floor.section("2", found, [], "ada", 1, 1, 1)
    assert _goal(section, "pipeline (sandboxed) vs executing it").measured == "1.20x"
    assert _goal(section, "sandbox costs at most 10% (part 2, one submission)").met is True
    assert len(section.goals) == 2
    main = _well_formed(section)[2]
    assert _column(main, "ratio to floor") == ["1.40x", "1.00x", "1.20x", "1.10x"]


def test_processes_are_classified_kernels_workers_launchers():
    class Proc:
        def __init__(self, pid, *argv):
            self.pid, self.argv = pid, list(argv)

        def cmdline(self):
            return self.argv

    kernel = ["/venv/bin/python", "-m", "ipykernel_launcher", "-f", "k.json"]
    assert classify(Proc(2, *kernel), [1]) == "kernel"
    for launcher in ("/usr/bin/prlimit", "/usr/bin/bwrap", "/bin/sh"):
        assert classify(Proc(3, launcher, "--", *kernel), [1]) == "other"
    assert classify(Proc(1, *kernel), [1]) == "command"
    python = "/venv/bin/python"
    forked = [python, "-B", "-c", "from multiprocessing.forkserver import main; main(3)"]
    spawned = [python, "-c", "from multiprocessing.spawn import spawn_main; spawn_main()"]
    tracker = [python, "-c", "from multiprocessing.resource_tracker import main;main(9)"]
    assert classify(Proc(4, *forked), [1]) == "worker"  # the local cluster's workers
    assert classify(Proc(5, *spawned), [1]) == "worker"  # a spawned worker
    assert classify(Proc(6, *tracker), [1]) == "other"


# ----------------------------------------------------------------------------- the results file


def test_tables_with_ragged_rows_are_rejected():
    table = Table(["a", "b"])
    table.add(1, "x | y")  # a pipe in a cell is escaped
    assert parse_tables(table.markdown()) == [[["a", "b"], ["1", "x \\| y"]]]
    with pytest.raises(ValueError):
        table.add(1, 2, 3)
    with pytest.raises(ValueError):
        parse_tables("| a | b |\n| --- | --- |\n| 1 |\n")
    shown = ["-7.6 ms", "0 µs", "2.5 s", "150 s"]
    assert [report.fmt_seconds(s) for s in (-0.0076, 0.0, 2.5, 150.0)] == shown


def test_parts_argument():
    assert _parts("4,3") == ("3", "4", "4b")  # 4 is the hidden tests' cells and the probes
    assert _parts("4b") == ("4b",)
    assert _parts("0,1") == ("1a", "1b")  # 1 is all of part 1's pieces
    assert _parts("1b,5") == ("1b", "5")
    assert _parts("0") == ()
    with pytest.raises(argparse.ArgumentTypeError):
        _parts("1c")


def _section(title: str, goal: str, measured: str = "x") -> Section:
    """A results section with a table and one met goal."""
    sec = Section(title, "intro")
    sec.table("", ["a", "b"]).add(1, 2)
    sec.goals.append(report.Goal(goal, measured, "y", True))
    return sec


def test_a_run_of_some_parts_keeps_the_others_sections():
    """--parts 1a,2 rewrites parts 1a and 2 only: part 3 stays, marked, goals included."""
    earlier = render(
        machine.header(loadavg(), command="python -m kmeans_em_lab bench"),
        [_section("1a. One", "1a. goal one", "old"), _section("3. Three", "3. goal", "3x")],
    )
    kept, described = report.earlier_sections(earlier, ("1a", "2"))
    assert [s.title for s in kept] == ["3. Three"]
    assert "python -m kmeans_em_lab bench" in described
    (goal,) = kept[0].goals
    assert (goal.name, goal.measured, goal.met, goal.run) == ("3. goal", "3x", True, "earlier run")
    again = render(machine.header(loadavg()), [_section("1a. One", "1a. goal one", "new"), *kept])
    goals = parse_tables(again)[1]
    assert goals[0] == report.GOAL_COLUMNS
    assert [row[0] for row in goals[1:]] == ["1a. goal one", "3. goal"]
    assert [row[-1] for row in goals[1:]] == ["this run", "earlier run"]
    assert again.count(report.KEPT_MARK) == 1
    kept_twice, _ = report.earlier_sections(again, ("1a",))
    assert kept_twice[0].intro.count(report.KEPT_MARK) == 1  # marked once, not per run


def test_a_run_of_one_piece_keeps_the_other_pieces_and_drops_parts_no_longer_run():
    """--parts 1b rewrites 1b only: 1a stays with its own goals, not 1b's; --parts 4b keeps
    part 4; a section of a part the bench no longer has is not kept."""
    earlier = render(
        machine.header(loadavg()),
        [
            _section("1a. Throughput", "1a. goal a"),
            _section("1b. Floor", "1b. goal b"),
            _section("1c. Profile", "1c. goal c"),
            _section("4. Hidden tests", "4. goal"),
            _section("4b. Probes", "4b. goal"),
        ],
    )
    kept, _ = report.earlier_sections(earlier, ("1b", "4b"))
    assert [s.title for s in kept] == ["1a. Throughput", "4. Hidden tests"]
    assert [g.name for s in kept for g in s.goals] == ["1a. goal a", "4. goal"]
    assert [s.title for s in report.earlier_sections(earlier, ("4", "4b"))[0]] == [
        "1a. Throughput",
        "1b. Floor",
    ]


def test_the_results_file_is_well_formed_and_has_every_goal():
    """bench/results.md as committed: tables parse, and every goal of the parts is there."""
    text = (paths.course_root() / "bench" / "results.md").read_text()
    tables = parse_tables(text)
    for rows in tables:
        assert len(rows) >= 2 and all(rows[0]), rows
    goals = tables[1]
    assert goals[0] == report.GOAL_COLUMNS
    names = [row[0] for row in goals[1:]]
    for expected in (
        "1a. make grade (local Dask, default workers",
        "1a. sandbox costs at most 10% (part 1a, default workers",
        "1b. make grade --force / the floor",
        "1b. Dask's scheduling overhead per submission",
        "2. one submission through the pipeline (sandboxed) vs executing it",
        "2. sandbox costs at most 10% (part 2, one submission)",
        "3. reference K-Means",
        "3. reference EM",
        "4. every time limit",
        "4b. probe cell limit",
        "5. peak RSS",
        "6. the driver saves results",
        "6. class report for 10,000 students",
    ):
        assert sum(name.startswith(expected) for name in names) == 1, (expected, names)
    titles = [title for title, _ in report.split_sections(text)]
    assert titles[:2] == ["Machine", "Goals"]
    numbered = [t.split(".")[0] for t in titles[2:-1]]
    assert numbered == list(report.ALL_PARTS), numbered
    assert titles[-1] == scale.TITLE  # the model last, after every part
    figures = scale.read(text)
    assert figures.cpu and figures.rate and figures.cluster_start, "the model's figures are there"


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
    assert figures.cluster_start == 6
    assert figures.reports == {200: pytest.approx(0.8), 2000: 4}  # the slower database
    # start-up (6 s + the report of the nearest size: 2,000) + max(N x 10 s / W, N / 40)
    assert scale.estimate(figures, 1000, 4) == (pytest.approx(6 + 4 + 2500), "cores")
    assert scale.estimate(figures, 300, 4)[0] == pytest.approx(6 + 0.8 + 750)  # near 200
    assert scale.estimate(figures, 1600, 1000) == (pytest.approx(6 + 4 + 40), "driver")
    section = scale.section(SCALE_INPUT)
    assert not section.goals  # a model: no goal of its own
    inputs, times = parse_tables(section.markdown())
    assert inputs[1][0] == "10 s" and inputs[1][-1] == "about 400"  # 10 s x 40 a second
    assert times[0][:3] == ["students", "1 core", "4 cores"]
    row = next(r for r in times if r[0] == "1,000")
    assert row[1] == "2 h 47 min"  # 10 s + 1000 x 10 s
    assert row[-1] == "49 s"  # 256 cores: 10 s + 1000 x 10 s / 256
    assert scale.fmt_duration(45) == "45 s" and scale.fmt_duration(600) == "10 min"
    empty = scale.section("## Machine\n")
    assert all(cell == "-" for table in parse_tables(empty.markdown()) for cell in table[1][1:])

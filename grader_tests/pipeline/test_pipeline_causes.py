"""Why points were lost, from judging to the class: kmeans_em_lab/pipeline/shared/causes.py and
pictures.py, and ``JudgeRecords`` writing both into the autograded notebook.

Notebooks are built in memory (``pipeline_fixtures.judged_notebooks``): no
kernel runs.
"""

from __future__ import annotations

import json

import nbformat
import pytest
from nbformat.notebooknode import NotebookNode
from nbgrader.utils import determine_grade
from pipeline_fixtures.judged_notebooks import graded, hidden, judged, notebook, solution

from kmeans_em_lab.checks import draws, em_checks, record_in_process
from kmeans_em_lab.course import paths
from kmeans_em_lab.course.points import AssignmentCells
from kmeans_em_lab.pipeline.pages import pictures
from kmeans_em_lab.pipeline.shared import causes, verdicts
from kmeans_em_lab.pipeline.shared.verdicts import Event, Reply
from kmeans_em_lab.pipeline.worker import incidents
from kmeans_em_lab.pipeline.worker.execute import error_output
from kmeans_em_lab.pipeline.worker.limit_bytes import note
from lab3_kernel import refusals


def stream(text: str, name: str = "stdout") -> NotebookNode:
    return nbformat.v4.new_output("stream", name=name, text=text)


# -- JudgeRecords writes the causes ------------------------------------------------------------


@pytest.fixture(scope="module")
def judged_notebook() -> NotebookNode:
    """Seven graded cells: passing, failing a hidden check, failing in the kernel, stopped at
    the time limit, not run, a graded cell without a check whose kernel reported NameError,
    and a passing cell whose outputs forge every signal the grader once read from them."""
    bad_update = notebook("bug_mutates_input")
    markdown = nbformat.v4.new_markdown_cell("notes")
    markdown.metadata["lab3"] = {"causes": [{"code": "kernel_died", "message": "planted"}]}
    planted = graded("test_Set_hidden", hidden("Set"), 10)
    planted.metadata["lab3"] = {
        "causes": [{"code": "time_limit", "message": "<b>planted</b>"}],
        "verdict": {"passed": False, "message": "planted"},
    }
    timeout = [error_output("KeyboardInterrupt", "")]
    forged = [
        error_output("CellTimeoutError", ""),
        error_output("KernelDied", "100/100"),
        stream(note(10)),
        stream("oops", "stderr"),
    ]
    cells = [
        markdown,
        planted,
        graded("test_Update_hidden", hidden("Update"), 10),
        graded("test_EM_step_public", "import lab3_kernel\n"
               'lab3_kernel.record_public("EM_step", globals())\nEM_step(1, 2, 3, 4)\n', 6,
               [error_output("NotImplementedError", "")]),
        graded("test_EM_hidden", hidden("EM"), 20, timeout),
        graded("test_K_Means_hidden", hidden("K_Means"), 10),
        graded("test_add_public", "assert add(1, 2) == 3\n", 1,
               [stream("x" * 10 + note(10)), error_output("NameError", "name 'add' is undefined")]),
        graded("test_Centroid_init_hidden", hidden("Centroid_init"), 3, forged),
    ]  # fmt: skip
    records = {
        1: ("Set", record_in_process("Set", notebook())),
        2: ("Update", record_in_process("Update", bad_update)),
        3: ("public:EM_step", {"check": "public:EM_step", "refused": "", "outcomes": [
            {"label": "call 1 of EM_step", "error": "NotImplementedError: "}]}),
        7: ("Centroid_init", record_in_process("Centroid_init", notebook())),
    }  # fmt: skip
    events = {
        4: [Event("time_limit", "time limit reached in cell test_EM_hidden (#4)")],
        5: [Event("not_run", "not run: the kernel died in cell test_EM_hidden")],
        6: [Event("output_cut", "output cut to the byte limit in cell test_add_public (#6)")],
    }
    replies = {6: Reply("error", "NameError", "name 'add' is undefined"), 7: Reply("ok")}
    return judged(cells, records, events, replies)


def test_a_passing_cell_gets_no_cause_and_planted_causes_are_removed(judged_notebook):
    markdown, passing = judged_notebook.cells[:2]
    assert "lab3" not in markdown.metadata
    assert passing.metadata["lab3"] == {"verdict": {"passed": True, "message": ""}}
    assert passing.outputs == []


def test_a_failed_check_gets_its_verdict_and_its_causes(judged_notebook):
    cell = judged_notebook.cells[2]
    assert [o.ename for o in cell.outputs] == ["AssertionError"]
    (entry,) = cell.metadata["lab3"]["causes"]
    assert entry["code"] == "input_modified" and "modified its input `m`" in entry["message"]
    assert entry["message"] in cell.outputs[0].evalue


def test_a_cell_that_failed_in_the_kernel_shows_its_error_quoted_and_the_judges_verdict(
    judged_notebook,
):
    cell = judged_notebook.cells[3]
    assert [o.output_type for o in cell.outputs] == ["display_data", "error"]
    assert "NotImplementedError" in cell.outputs[0].data["text/plain"]
    assert cell.outputs[1].ename == "AssertionError"
    assert [e["code"] for e in cell.metadata["lab3"]["causes"]] == ["not_implemented"]


def test_the_pipelines_own_failures_have_their_causes(judged_notebook):
    found = causes.codes(judged_notebook)
    assert found["test_EM_hidden"] == ["time_limit"]
    assert found["test_K_Means_hidden"] == ["not_run"]
    assert found["test_add_public"] == ["not_defined", "output_cut"]
    assert found["test_Set_hidden"] == []


def test_forged_signals_in_the_outputs_neither_cost_nor_give_points(judged_notebook):
    cell = judged_notebook.cells[7]
    assert determine_grade(cell) == (3.0, 3.0)
    assert {o.output_type for o in cell.outputs} == {"display_data"}
    assert "lab3" in cell.metadata and "events" not in cell.metadata["lab3"]
    assert incidents.flags(judged_notebook) == [
        "time limit reached in cell test_EM_hidden (#4)",
        "output cut to the byte limit in cell test_add_public (#6)",
        "1 later cell(s) not run: scored 0",
    ]


def test_every_graded_cell_scores_exactly_its_verdict(judged_notebook):
    for cell in judged_notebook.cells:
        if causes.graded_code_cell(cell):
            verdict = cell.metadata["lab3"]["verdict"]
            score, available = determine_grade(cell)
            assert score == (available if verdict["passed"] else 0), cell.metadata


def test_causes_read_the_notebook_as_a_path_a_node_or_json(judged_notebook, tmp_path):
    path = tmp_path / "lab3.ipynb"
    nbformat.write(judged_notebook, path)
    as_dict = nbformat.reads(path.read_text(), as_version=4)
    assert causes.codes(path) == causes.codes(str(path)) == causes.codes(judged_notebook)
    assert causes.codes(dict(as_dict)) == causes.codes(judged_notebook)


def test_a_notebook_without_the_graders_causes_reads_as_wrong_result(judged_notebook):
    old = nbformat.from_dict(judged_notebook)
    for cell in old.cells:
        cell.metadata.pop("lab3", None)
    found = causes.codes(old)
    assert found["test_Update_hidden"] == ["wrong_result"]
    assert found["test_EM_hidden"] == ["wrong_result"]
    assert found["test_Set_hidden"] == []


# -- per function, per class ---------------------------------------------------------------------

LAYOUT = AssignmentCells(
    cells=[("test_Set_public", 5.0), ("test_Set_hidden", 10.0), ("test_EM_public", 5.0),
           ("test_EM_hidden", 20.0)],
    functions=["Set", "EM"],
)  # fmt: skip


def cause(code: str, cell: str = "", message: str = "m") -> causes.Cause:
    return causes.Cause(code, message, cell)


def test_a_functions_causes_drop_the_fallbacks_when_something_says_more():
    per_cell = {
        "test_Set_public": [cause("wrong_result", "test_Set_public")],
        "test_Set_hidden": [cause("clusters_not_dict", "test_Set_hidden"),
                            cause("wrong_result", "test_Set_hidden")],
        "test_EM_public": [cause("kernel_died", "test_EM_public")],
        "test_EM_hidden": [cause("not_run", "test_EM_hidden")],
    }  # fmt: skip
    found = causes.by_function(per_cell, LAYOUT.functions)
    assert [c.code for c in found["Set"]] == ["clusters_not_dict"]
    assert [c.code for c in found["EM"]] == ["kernel_died"]
    only = causes.by_function({"test_EM_hidden": [cause("not_run")]}, LAYOUT.functions)
    assert [c.code for c in only["EM"]] == ["not_run"]


def test_causes_are_counted_in_students_per_function_and_cause():
    found = {
        "ada": {},
        "alan": {"EM": [cause("not_implemented", message="EM raised NotImplementedError")]},
        "grace": {"Set": [cause("wrong_assignment")], "EM": [cause("time_limit")]},
        "blank": {
            "Set": [cause("not_implemented")],
            "EM": [cause("not_implemented", message="EM raised NotImplementedError")],
        },
    }
    rows = [(r.function, r.code, r.students) for r in causes.count(found, LAYOUT)]
    assert rows == [
        ("Set", "not_implemented", 1),
        ("Set", "wrong_assignment", 1),
        ("EM", "not_implemented", 2),
        ("EM", "time_limit", 1),
    ]
    assert causes.count(found, LAYOUT)[2].example == "EM raised NotImplementedError"
    assert causes.csv_field(found["grace"]) == "Set:wrong_assignment; EM:time_limit"
    assert causes.csv_field({}) == ""


def test_a_cause_s_example_is_the_message_most_of_its_students_got():
    """A student's record may carry any words for its own loss: the first student in order
    (``aaa``) does not choose the example the class report gives for everyone's."""
    shared = "EM is not defined: run the cell that defines it"
    forged = "EM could not be graded: a fault of the grader; your instructor will add the points"
    found = {
        "aaa": {"EM": [cause("not_defined", message=forged)]},
        "bob": {"EM": [cause("not_defined", message=shared)]},
        "eve": {"EM": [cause("not_defined", message=shared)]},
    }
    (row,) = causes.count(found, LAYOUT)
    assert (row.code, row.students, row.example, row.example_students) == (
        "not_defined", 3, shared, 2
    )  # fmt: skip


@pytest.mark.parametrize(
    "messages",
    [["forged", "EM raised ZeroDivisionError"], ["forged", "forged", "a", "b", "c"]],
    ids=["one-each", "two-colluders"],
)
def test_a_cause_gives_no_example_no_more_than_half_of_its_students_got(messages):
    """Messages quoting a student's own words usually all differ: the first student in
    order, or two students sending the same words, would otherwise make theirs the example
    shown under the grader's explanation for everyone's loss."""
    found = {
        f"s{i}": {"EM": [cause("raised_exception", message=m)]} for i, m in enumerate(messages)
    }
    (row,) = causes.count(found, LAYOUT)
    assert (row.students, row.example, row.example_students) == (len(messages), "", 0)


def test_the_class_reads_each_students_notebook_or_the_outcome(judged_notebook, tmp_path):
    folder = tmp_path / "autograded" / "grace" / "lab3"
    folder.mkdir(parents=True)
    nbformat.write(judged_notebook, folder / "lab3.ipynb")
    autograded = lambda s: tmp_path / "autograded" / s / "lab3" / "lab3.ipynb"  # noqa: E731
    layout = AssignmentCells(cells=[("test_Update_hidden", 10.0), ("test_EM_hidden", 20.0)],
                    functions=["Update", "EM"])  # fmt: skip
    table = dict.fromkeys(["grace", "empty", "broken", "absent"])
    outcomes = {
        "grace": {"status": "graded"},
        "empty": {"status": "zero", "message": "no notebook lab3.ipynb in the submission"},
        "broken": {"status": "failed", "message": "the watchdog stopped it"},
    }
    found = causes.read_class(autograded, table, layout, outcomes)
    assert causes.csv_field(found["grace"]) == "Update:input_modified; EM:time_limit"
    assert causes.csv_field(found["empty"]) == "Update:no_notebook; EM:no_notebook"
    assert found["empty"]["EM"][0].message == "no notebook lab3.ipynb in the submission"
    assert causes.csv_field(found["broken"]) == "Update:not_graded; EM:not_graded"
    assert found["absent"] == {}


def test_causes_kept_in_a_stamp_come_back_in_the_notebooks_order(tmp_path):
    """A stamp is written with sorted keys: the causes it keeps are read back in the order
    of the notebook's cells, as the notebook itself gives them."""
    autograded = lambda s: tmp_path / "autograded" / s / "lab3" / "lab3.ipynb"  # noqa: E731
    layout = AssignmentCells(cells=[("test_Set_public", 5.0), ("test_Set_hidden", 10.0),
                           ("test_EM_hidden", 20.0)], functions=["Set", "EM"])  # fmt: skip
    kept = {
        "test_EM_hidden": [["time_limit", "stopped"]],
        "test_Set_hidden": [["distortion_not_squared", "D is not squared"]],
        "test_Set_public": [["wrong_distortion", "D is wrong"]],
    }
    found = causes.read_class(autograded, {"ada": None}, layout,
                              {"ada": {"status": "graded", "causes": kept}})  # fmt: skip
    assert causes.csv_field(found["ada"]) == (
        "Set:wrong_distortion; Set:distortion_not_squared; EM:time_limit"
    )


# -- pictures ------------------------------------------------------------------------------------


def test_the_plotted_features_are_the_notebooks():
    nb = nbformat.read(paths.course_root() / "source" / "lab3" / "lab3.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if c.get("id") == "choose_features"]
    chosen = {}
    exec(cell.source, chosen)
    assert (chosen["x_var"], chosen["y_var"]) == pictures.PLOTTED_FEATURES


def test_a_k_means_picture_keeps_the_best_centres_and_draws_them():
    record = record_in_process("K_Means", notebook("bug_kmeans_one_iteration"))
    data = pictures.keep("K_Means", record)
    assert data["kind"] == "kmeans" and len(data["centres"]) == 3
    png = pictures.draw(data)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) < 120_000


def test_centres_no_figure_can_hold_give_no_picture_and_keep_the_summary():
    """Centres at +-1.7e308 are finite, but matplotlib cannot scale an axis to them: no
    picture, and nothing raised (the feedback summary holding the pictures stays)."""
    record = record_in_process("K_Means", notebook("bug_kmeans_one_iteration"))
    data = json.loads(json.dumps(pictures.keep("K_Means", record)))
    data["centres"] = [[1.7e308] * len(c) for c in data["centres"]]
    data["centres"][1] = [-1.7e308] * len(data["centres"][1])
    assert pictures.draw(data) is None


def test_an_em_picture_shows_the_data_set_where_the_fit_is_off():
    record = record_in_process("EM", notebook("bug_em_loglik_swapped_priors"))
    data = pictures.keep("EM", record)
    assert data["kind"] == "em" and data["case"] == 1 and len(data["fit"]) == 5
    assert pictures.draw(data)[:4] == b"\x89PNG"


def test_an_em_picture_of_a_drawn_data_set_shows_that_data_set_when_made_again():
    """The second data set is the submission's draw: the picture's numbers keep it, so a
    page made again outside that draw (the driver, after a manual score) shows the same."""
    drawn = draws.Draw.for_submission(b"a course secret of 16+", "0" * 64, "ada")
    with draws.using(drawn):
        record = record_in_process("EM", notebook("bug_em_loglik_swapped_priors"))
        data = json.loads(json.dumps(pictures.keep("EM", record)))
        n = len(em_checks.em_cases()[1][1])
    assert data["case"] == 1 and data["mixture"][1] == n != 245
    assert f"X: {n} samples" in pictures.describe(data)
    assert pictures.draw(data)[:4] == b"\x89PNG"
    forged = {**data, "mixture": [1, 10**9, 0.3, [0, 1], [1, 1]]}  # not a mixture of ours
    assert pictures.draw(forged) is None


@pytest.mark.parametrize(
    ("check", "record"),
    [
        ("K_Means", None),
        ("K_Means", {"check": "K_Means", "outcomes": "cut"}),
        ("K_Means", {"check": "K_Means", "outcomes": [{"label": "x", "result": {"nd": "bad"}}]}),
        ("EM", {"check": "EM", "outcomes": [{"label": "EM(Data['X'])", "error": "boom"}]}),
        ("Set", {"check": "Set", "outcomes": []}),
    ],
)
def test_no_picture_from_a_record_that_cannot_give_one(check, record):
    assert pictures.keep(check, record) is None


@pytest.mark.parametrize(
    "data",
    [None, {"kind": "kmeans", "centres": [[1.0]]}, {"kind": "em", "case": 7, "fit": [0.5] * 5},
     {"kind": "em", "case": 0, "fit": [2.0, 0, 1, 1, 1]}, {"kind": "other"}],
)  # fmt: skip
def test_no_picture_from_numbers_that_do_not_make_one(data):
    assert pictures.draw(data) is None


def test_judging_keeps_the_picture_of_a_failed_k_means(judged_notebook):
    record = record_in_process("K_Means", notebook("bug_kmeans_one_iteration"))
    nb = judged([graded("test_K_Means_hidden", hidden("K_Means"), 10)], {0: ("K_Means", record)})
    meta = nb.cells[0].metadata["lab3"]
    assert meta["picture"]["kind"] == "kmeans"
    assert [e["code"] for e in meta["causes"]] == ["distortion_not_final", "stopped_early"]


@pytest.mark.parametrize(
    ("source", "cause"),
    [
        ("from sklearn.cluster import KMeans\n", "forbidden_code"),
        ("import sklearn.cluster as c\n", "forbidden_code"),
        ("import pandas\n", "not_defined"),
        ("print('ModuleNotFoundError: No module named sklearn')\n", "not_defined"),
    ],
)
def test_a_function_whose_cell_imports_forbidden_code_is_forbidden_code(source, cause):
    definition = solution("K_Means")
    definition.source = source + definition.source
    refused = {
        "check": "K_Means",
        "refused": refusals.refusal(refusals.NOT_DEFINED),
    }
    nb = judged([definition, graded("test_K_Means_hidden", hidden("K_Means"), 10)],
                {1: ("K_Means", refused)})  # fmt: skip
    (entry,) = nb.cells[1].metadata["lab3"]["causes"]
    assert entry["code"] == cause
    if cause == "forbidden_code":
        assert entry["message"].startswith(
            "the cell that defines this function imports sklearn: the lab asks you"
        )


def test_a_function_whose_cell_was_too_long_to_run_says_so():
    """The grader does not run a cell past ``max_cell_chars``: the tests of the function
    it defines say that cell was not run and why, not only "not defined"."""
    definition = solution("K_Means")
    definition.source += "from sklearn.cluster import KMeans\n"  # not run: not forbidden either
    too_long = Event(verdicts.CELL_TOO_LONG, "cell K_Means (#0) not run: it holds 9 characters")
    refused = {
        "check": "K_Means",
        "refused": refusals.refusal(refusals.NOT_DEFINED),
    }
    nb = judged([definition, graded("test_K_Means_hidden", hidden("K_Means"), 10)],
                {1: ("K_Means", refused)}, events={0: [too_long]})  # fmt: skip
    (entry,) = nb.cells[1].metadata["lab3"]["causes"]
    assert entry == {
        "code": "cell_too_long",
        "message": "cell K_Means (#0) not run: it holds 9 characters, so this function is "
        "not defined",
    }
    assert incidents.flags(nb) == [too_long.message]


# -- each pipeline cause, exactly -----------------------------------------------------------------

FAILED = verdicts.Verdict(False, "the cell failed")


@pytest.mark.parametrize("code", verdicts.STOPS)
def test_an_event_that_stopped_the_cell_is_its_one_cause(code):
    """What the grader saw stop a cell is the cause, whatever else the cell reported."""
    stopped = Event(code, f"the grader saw {code}")
    found = causes.classify(FAILED, events=[stopped], reply=Reply("error", "NameError", "x"))
    assert [c.code for c in found] == [code]
    assert found[0].message == f"the grader saw {code}"


def test_cut_output_is_said_beside_the_cause_it_does_not_replace():
    events = [Event(verdicts.OUTPUT_CUT, "cut"), Event(verdicts.TIME_LIMIT, "30 s")]
    assert [c.code for c in causes.classify(FAILED, events=events)] == ["time_limit", "output_cut"]


@pytest.mark.parametrize(
    ("ename", "code"),
    [
        ("NotImplementedError", "not_implemented"),
        ("NameError", "not_defined"),
        ("AssertionError", "wrong_result"),
        ("ZeroDivisionError", "raised_exception"),
    ],
)
def test_a_plain_test_cells_error_is_its_one_cause(ename, code):
    found = causes.classify(FAILED, reply=Reply("error", ename, "boom"))
    assert [c.code for c in found] == [code]


@pytest.mark.parametrize(("status", "code"), [("zero", "no_notebook"), ("failed", "not_graded")])
def test_a_submission_that_was_not_graded_has_one_cause_for_every_function(status, code, tmp_path):
    autograded = lambda s: tmp_path / s / "lab3.ipynb"  # noqa: E731
    outcomes = {"ada": {"status": status, "message": ""}}
    found = causes.read_class(autograded, {"ada": None}, LAYOUT, outcomes)
    assert {f: [c.code for c in listed] for f, listed in found["ada"].items()} == {
        "Set": [code],
        "EM": [code],
    }
    assert found["ada"]["EM"][0].message == causes.explain(code)


def test_a_long_solution_cells_imports_are_read_line_by_line(monkeypatch):
    """A syntax tree takes about a kilobyte per statement: a solution cell of 4 million
    lines ``a`` (8 MB, within a notebook's limit) parsed to gigabytes in the grading worker.
    Past ``PARSED_CHARS`` the imports are read line by line, and still found."""
    parsed = []
    real = causes.ast.parse
    monkeypatch.setattr(causes.ast, "parse", lambda source, *a, **k: parsed.append(len(source))
                        or real(source, *a, **k))  # fmt: skip
    short, long_ = solution("Set"), solution("Update")
    short.source = "import sklearn.cluster\n" + short.source
    long_.source += "from scipy.cluster import vq\nimport os, sklearn\n" + "a\n" * 4_000_000
    nb = nbformat.v4.new_notebook(cells=[short, long_])
    found = causes.not_defined_because(nb)
    assert {function: cause.code for function, cause in found.items()} == {
        "Set": "forbidden_code",
        "Update": "forbidden_code",
    }
    assert "imports sklearn: " in found["Set"].message
    assert "imports scipy.cluster, sklearn: " in found["Update"].message
    assert parsed == [len(short.source)]  # the long cell was never parsed
    assert causes._imports_by_line("x = 1\n  import numpy as np, sklearn\nfrom . import a") == [
        "numpy",
        "sklearn",
    ]


def test_a_solution_cells_imports_are_read_line_by_line_when_the_parser_fails(monkeypatch):
    """CPython 3.11's parser now and then raises a spurious ``SystemError`` ("AST
    constructor recursion depth mismatch") in a threaded process: the imports are then
    read line by line, never the error raised into the grading of the submission."""

    def broken(*args, **kwargs):
        raise SystemError("AST constructor recursion depth mismatch (before=123, after=175)")

    cell = solution("Set")
    cell.source = "import sklearn.cluster\n" + cell.source
    with monkeypatch.context() as patched:  # undone before pytest parses to report
        patched.setattr(causes.ast, "parse", broken)
        found = causes.not_defined_because(nbformat.v4.new_notebook(cells=[cell]))
    assert "imports sklearn: " in found["Set"].message

"""``make grade`` ends with the similarity report: wired, switchable, and never in the way.

A toy course (``pipeline_fixtures.toy_course``) of three students graded by the
real command in a subprocess; then the report's wrapper in ``run.py`` alone,
with a report that fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from pipeline_fixtures import toy_course as toy

from kmeans_em_lab import similarity
from kmeans_em_lab.pipeline.driver import run
from kmeans_em_lab.pipeline.driver.settings import SIMILARITY_ENV, SIMILARITY_MIN_STUDENTS

BIN = str(Path(sys.executable).parent)
HOSTILE = "\x1b[2J<script>alert(1)</script>"
# two students wrote add together (names changed); grace wrote her own, with hostile text
ADA = """\
def add(a, b):
    total = a
    for _ in range(1):
        total = total + b
    result = [total]
    return result[0]
"""
ALAN = """\
def add(first, second):
    s = first
    for _ in range(1):
        s = s + second
    kept = [s]
    return kept[0]
"""
GRACE = f"""\
def add(a, b):
    # {HOSTILE}
    return sum((a, b))
"""


def _grade(root: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("LAB3_DB_URL", SIMILARITY_ENV)}
    environ.update({"PATH": BIN + os.pathsep + environ.get("PATH", ""), "MPLBACKEND": "Agg"})
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "kmeans_em_lab", "grade", "--course-root", str(root),
         "--workers", "2"],
        capture_output=True,
        text=True,
        env=environ,
        timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> SimpleNamespace:
    root = toy.build_course(tmp_path_factory.mktemp("toy") / "course", timeout=3)
    for student, add in (("ada", ADA), ("alan", ALAN), ("grace", GRACE)):
        toy.make_submission(root, student, toy.answers(add=add))
    off = _grade(root, {SIMILARITY_ENV: "0"})
    off_page = (root / "reports" / similarity.FILE).exists()
    off_csv = (root / "reports" / "grades.csv").read_text()
    off_class = (root / "reports" / "class_report.html").read_text()
    on = _grade(root, {})
    return SimpleNamespace(
        root=root, off=off, on=on, off_page=off_page, off_csv=off_csv, off_class=off_class
    )


def test_grade_writes_the_similarity_page_and_the_class_report_links_it(graded):
    assert graded.on.returncode == 0, graded.on.stderr
    page = graded.root / "reports" / similarity.FILE
    assert page.is_file()
    assert "similarity: 3 graded students compared" in graded.on.stdout
    class_page = (graded.root / "reports" / "class_report.html").read_text()
    assert f'href="{similarity.FILE}"' in class_page
    text = page.read_text()
    assert "ada and alan" in text  # the pair that wrote add together is listed
    # graded first with the report off, then not again (unchanged): no probes ran for them
    assert "Behaviour was not compared for 3 submission(s)" in text
    assert "LAB3_SIMILARITY=0" in text and "make grade --force" in text
    assert "<script>" not in text and "\x1b" not in text
    assert "\x1b" not in graded.on.stdout + graded.on.stderr


def test_the_setting_turns_it_off_and_the_grades_are_the_same_either_way(graded):
    assert graded.off.returncode == 0, graded.off.stderr
    assert not graded.off_page
    assert "similarity:" not in graded.off.stdout
    assert similarity.FILE not in graded.off_class
    assert (graded.root / "reports" / "grades.csv").read_text() == graded.off_csv


def _settings(tmp_path: Path, **kw) -> SimpleNamespace:
    return SimpleNamespace(
        root=tmp_path,
        reports=tmp_path / "reports",
        similarity=kw.get("similarity", True),
        similarity_min_students=SIMILARITY_MIN_STUDENTS,
    )


def _fake_command(tmp_path: Path, monkeypatch, body: str) -> Path:
    """``make grade``'s similarity step runs ``body`` instead (a Python script standing for
    ``python -m kmeans_em_lab similarity``; it sees the arguments in sys.argv)."""
    script = tmp_path / "fake_python"
    script.write_text(f"#!{sys.executable}\nimport os, sys, time\n{body}\n")
    script.chmod(0o755)
    monkeypatch.setattr(run.sys, "executable", str(script))
    return script


@pytest.mark.parametrize(
    "body, why",
    [
        (f"print({HOSTILE!r}); sys.exit(1)", "exit status 1"),
        ("import signal; os.kill(os.getpid(), signal.SIGSEGV)", "exit status -11"),
        ("time.sleep(60)", "over its 1 s"),
        ("x = bytearray(16 * 2**30)", "exit status 1"),  # MemoryError under the limit
    ],
)
def test_a_report_that_fails_crashes_or_hangs_is_one_fixed_line(
    tmp_path, monkeypatch, capsys, body, why
):
    """Whatever the submissions' code does to the report's process, the run says one line of
    its own and goes on; nothing the process printed reaches the terminal."""
    monkeypatch.setattr("kmeans_em_lab.pipeline.driver.settings.SIMILARITY_SECONDS", 1)
    _fake_command(tmp_path, monkeypatch, body)
    assert run._similarity(_settings(tmp_path), ["a", "b", "c"]) is None
    out = capsys.readouterr()
    assert f"similarity: the report could not be made ({why}); grades unaffected" in out.out
    assert "<script>" not in out.out + out.err and "\x1b" not in out.out + out.err


def test_the_report_waits_for_enough_students_and_for_the_setting(tmp_path, monkeypatch):
    calls = tmp_path / "calls"
    _fake_command(
        tmp_path,
        monkeypatch,
        f"open({str(calls)!r}, 'a').write(' '.join(sys.argv[sys.argv.index('--student') + 1:]))\n"
        f"os.makedirs({str(tmp_path / 'reports')!r}, exist_ok=True)\n"
        f"open({str(tmp_path / 'reports' / 'similarity.html')!r}, 'w').write('page')\n"
        "print('similarity: 3 graded student(s) compared, 1 pair(s) worth a look')",
    )
    few = ["a", "b", "c"][: SIMILARITY_MIN_STUDENTS - 1]
    assert run._similarity(_settings(tmp_path), few) is None
    assert run._similarity(_settings(tmp_path, similarity=False), ["a", "b", "c"]) is None
    assert not calls.exists()
    page = tmp_path / "reports" / "similarity.html"
    assert run._similarity(_settings(tmp_path), ["c", "a", "b"]) == page
    assert calls.read_text() == "a b c"


def test_the_class_page_is_there_before_the_similarity_report_is_asked_for(graded, monkeypatch):
    """Whatever the similarity report's process does (and however long), the grades CSV and
    the class page are written first."""
    from kmeans_em_lab.pipeline.driver.settings import Settings

    reports = graded.root / "reports"
    for made in ("class_report.html", "grades.csv"):
        (reports / made).unlink()
    seen = []
    monkeypatch.setattr(
        run,
        "_similarity",
        lambda settings, students: seen.append(
            [(reports / made).is_file() for made in ("class_report.html", "grades.csv")]
        ),
    )
    monkeypatch.delenv("LAB3_DB_URL", raising=False)
    monkeypatch.setenv("LAB3_COURSE_ROOT", str(graded.root))  # grade() sets it: restored after
    monkeypatch.setenv("PATH", BIN + os.pathsep + os.environ.get("PATH", ""))
    assert run.grade(Settings(root=graded.root, workers=1)) == run.EXIT_OK  # nothing changed
    assert seen == [[True, True]]


def test_the_report_runs_under_a_lower_memory_limit_of_the_drivers_own(tmp_path, monkeypatch):
    """A driver run under ``ulimit -v`` below the report's own limit: the report gets the
    lower one (raising it would fail), and if its limits cannot be set at all the run says
    so in its one line and goes on."""
    import resource

    seen = tmp_path / "limit"
    _fake_command(
        tmp_path,
        monkeypatch,
        "import resource\n"
        f"open({str(seen)!r}, 'w').write(str(resource.getrlimit(resource.RLIMIT_AS)))\n"
        "sys.exit(1)",
    )
    lower = 6 * 2**30
    real = resource.getrlimit
    monkeypatch.setattr(resource, "getrlimit", lambda which: (
        (lower, lower) if which == resource.RLIMIT_AS else real(which)))  # fmt: skip
    assert run._similarity(_settings(tmp_path), ["a", "b", "c"]) is None
    assert seen.read_text() == str((lower, lower))

    def refused(*args):
        raise ValueError("not allowed")

    monkeypatch.setattr(resource, "setrlimit", refused)
    assert run._similarity(_settings(tmp_path), ["a", "b", "c"]) is None

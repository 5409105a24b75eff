"""The hidden tests' inputs drawn per submission (kmeans_em_lab/checks/draws.py), the course
secret they are drawn with (kmeans_em_lab/course/secret.py), and caches that follow the
course a long-lived worker grades."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import pickle
import shutil
import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from kmeans_em_lab import checks
from kmeans_em_lab.checks import CHECKS, PUBLIC, draws, plan, policy
from kmeans_em_lab.checks import reference_results as ref
from kmeans_em_lab.checks.verdict import fmt
from kmeans_em_lab.course import paths, submissions
from kmeans_em_lab.course.secret import course_secret
from kmeans_em_lab.pipeline.driver import intake, store
from kmeans_em_lab.pipeline.shared.jobs import SubmissionFiles, TaskOptions
from kmeans_em_lab.pipeline.worker import grader

SECRET = bytes(range(32))
DIGEST = "0" * 64
HIDDEN = tuple(CHECKS)
PUBLIC_CHECKS = tuple(PUBLIC + f for f in ("Centroid_init", "Set", "Update", "K_Means", "EM"))
# the others get the lab's data and drawn seeds
DRAWN_ARGUMENTS = ("Set", "Update", "K_Means", "K_Means_1d", "EM_step", "EM")


def planned(check: str, draw: draws.Draw) -> dict:
    with draws.using(draw):
        return plan(check)


def drawn(digest: str) -> draws.Draw:
    return draws.Draw.for_submission(SECRET, digest)


# -- drawing -------------------------------------------------------------------------------


def test_the_same_secret_and_digest_draw_the_same_plans():
    first, again = drawn(DIGEST), drawn(DIGEST)
    assert first == again
    for check in HIDDEN:
        assert planned(check, first) == planned(check, again), check


def test_another_digest_or_secret_draws_other_hidden_inputs():
    mine, other, elsewhere = (
        drawn(DIGEST),
        drawn("1" * 64),
        draws.Draw.for_submission(b"another course's secret", DIGEST),
    )
    assert len({mine, other, elsewhere}) == 3
    for check in HIDDEN:
        calls = [planned(check, d)["calls"] for d in (mine, other, elsewhere)]
        assert calls[0] != calls[1] and calls[0] != calls[2], check
    for check in DRAWN_ARGUMENTS:  # not only the seeds: the arguments themselves
        args = [[c["args"] for c in planned(check, d)["calls"]] for d in (mine, other)]
        assert args[0] != args[1], check


def test_two_students_handing_in_the_same_files_get_other_inputs():
    """The draw is keyed by the student too: a classmate's copied notebook (or one shared with
    its hidden inputs) is graded on other inputs; the same student's regrade on the same."""
    mine, classmate = (draws.Draw.for_submission(SECRET, DIGEST, s) for s in ("ada", "alan"))
    assert mine != classmate and mine == draws.Draw.for_submission(SECRET, DIGEST, "ada")
    assert planned("EM", mine)["calls"] != planned("EM", classmate)["calls"]


def test_public_plans_never_vary():
    for check in PUBLIC_CHECKS:
        assert planned(check, drawn(DIGEST)) == planned(check, draws.Draw.DEFAULT), check


def test_the_draw_reaches_the_plan():
    draw = drawn(DIGEST)
    calls = planned("EM_step", draw)["calls"]
    for (pi, mu, sigma), call in zip(draw.em_step_states, calls, strict=False):
        shown = f"pi={fmt(pi)}, mu={fmt(np.array(mu))}, sigma={fmt(np.array(sigma))}"
        assert shown in call["label"]  # the feedback names the drawn call
        assert call["seed"] == policy.EM_STEP_SEED + draw.seed_offset
    second = next(c for c in planned("EM", draw)["calls"] if "second data set" in c["label"])
    assert f"X: {ref.second_mixture(draw).n} samples" in second["label"]
    seeds = [c["seed"] for c in planned("K_Means", draw)["calls"]]
    assert seeds == [s + draw.seed_offset for s in policy.K_MEANS_SEEDS]


def test_the_default_draw_is_the_policys_fixed_inputs():
    default = draws.Draw.DEFAULT
    assert draws.current() == default and default.seed_offset == 0
    assert default.centre_seed == policy.CENTRE_CASES_SEED
    assert default.em_step_states == policy.EM_STEP_STATES
    (mixture,) = default.second_mixtures
    assert (mixture.seed, mixture.n, mixture.pi, mixture.mu, mixture.sigma) == (
        policy.SECOND_MIXTURE
    )
    assert ref.second_mixture(default) == mixture
    assert default.kmeans_rows is None
    assert np.array_equal(ref.kmeans_X("spotify", default), ref.spotify_X())


def test_k_means_answers_cannot_come_from_a_table_of_the_labs_data():
    """A K_Means that returns the best centres of the lab's whole data set (computed at home)
    passes on the default draw, and fails on a drawn subset of the rows (the correct one
    passes there: ``test_corpus_draws``' solution case)."""
    whole = {len(ref.spotify_X()): ref.best_kmeans("spotify", ref.n_artists()).centres,
             len(ref.gmm_X()): ref.best_kmeans("gmm", 2).centres}  # fmt: skip

    def table(X, K):
        X = np.asarray(X, dtype=float)
        m = whole.get(len(X), X[:K])
        labels = ((X.reshape(len(X), -1)[:, None] - m.reshape(K, -1)[None]) ** 2).sum(-1)
        return m, float(labels.min(1).sum())

    for check in ("K_Means", "K_Means_1d"):
        assert checks.judge(check, checks.record_in_process(check, {"K_Means": table})) == ""
    for n in range(3):
        with draws.using(drawn(f"{n:064d}")):
            for check in ("K_Means", "K_Means_1d"):
                X = ref.kmeans_X("spotify" if check == "K_Means" else "gmm")
                assert len(X) < len(ref.spotify_X() if check == "K_Means" else ref.gmm_X())
                judged = checks.judge(check, checks.record_in_process(check, {"K_Means": table}))
                assert judged, (check, n)


def test_every_drawn_value_lies_in_the_policys_ranges():
    def inside(value, low, high):
        steps = value / policy.DRAW_STEP
        return low <= value <= high and abs(steps - round(steps)) < 1e-6

    for i in range(200):
        draw = draws.Draw.from_key(i.to_bytes(32, "big"))
        assert 0 <= draw.seed_offset < policy.SEED_OFFSET_LIMIT
        assert 0 <= draw.centre_seed < policy.CENTRE_CASES_SEED_LIMIT
        assert len(draw.em_step_states) == len(policy.EM_STEP_STATES)
        for pi, mu, sigma in draw.em_step_states:
            assert inside(pi, *policy.EM_STEP_PI)
            low, high = sorted(mu)
            assert inside(low, *policy.EM_STEP_MEANS[0]) and inside(high, *policy.EM_STEP_MEANS[1])
            assert all(inside(s, *policy.EM_STEP_SIGMA) for s in sigma)
        assert len(draw.other_kmeans_rows) == policy.K_MEANS_ROWS_CANDIDATES - 1
        for seed, kept in (draw.kmeans_rows, *draw.other_kmeans_rows):
            assert 0 <= seed < policy.K_MEANS_ROWS_SEED_LIMIT
            assert inside(kept, *policy.K_MEANS_ROWS_KEPT)
        assert len(draw.second_mixtures) == policy.SECOND_MIXTURE_CANDIDATES
        for m in draw.second_mixtures:
            assert policy.SECOND_MIXTURE_N[0] <= m.n <= policy.SECOND_MIXTURE_N[1]
            assert inside(m.pi, *policy.SECOND_MIXTURE_PI)
            assert inside(m.mu[0], *policy.SECOND_MIXTURE_MU_0)
            assert inside(m.sigma[0], *policy.SECOND_MIXTURE_SIGMA_0)
            assert inside(m.sigma[1], *policy.SECOND_MIXTURE_SIGMA_1)
            separation = (m.mu[1] - m.mu[0]) / sum(m.sigma)
            low, high = policy.SECOND_MIXTURE_SEPARATION
            assert low - 0.01 <= separation <= high + 0.01


def test_using_nests_and_restores_the_draw_even_after_an_error():
    outer, inner = drawn(DIGEST), drawn("2" * 64)
    with draws.using(outer):
        with pytest.raises(RuntimeError):
            with draws.using(inner):
                assert draws.current() == inner
                raise RuntimeError
        assert draws.current() == outer
    assert draws.current() == draws.Draw.DEFAULT
    with pytest.raises(TypeError):
        with draws.using(SECRET):
            pass


def test_a_short_secret_is_refused():
    with pytest.raises(ValueError, match="16 bytes"):
        draws.Draw.for_submission(b"short", DIGEST)


def test_the_plan_never_holds_the_secret():
    text = json.dumps([planned(check, drawn(DIGEST)) for check in HIDDEN])
    for form in (SECRET.hex(), base64.b64encode(SECRET).decode()):
        assert form not in text


# -- the course secret -----------------------------------------------------------------------


def test_the_secret_file_is_made_once_private_and_reused(tmp_path):
    path = paths.Course.at(tmp_path).secret_file
    assert path == tmp_path / ".lab3-secret"
    secret = course_secret(tmp_path)
    assert len(secret) == 32 and path.read_bytes() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert course_secret(tmp_path) == secret
    assert [p.name for p in tmp_path.iterdir()] == [".lab3-secret"]  # no temporary file left
    assert course_secret(tmp_path / "elsewhere" / "..") == secret


def test_processes_making_the_secret_at_once_end_with_the_same_one(tmp_path):
    with ProcessPoolExecutor(4) as pool:
        made = list(pool.map(course_secret, [tmp_path] * 8))
    assert len(set(made)) == 1 and made[0] == (tmp_path / ".lab3-secret").read_bytes()


def test_a_damaged_secret_file_is_an_error_not_a_weak_secret(tmp_path):
    (tmp_path / ".lab3-secret").write_bytes(b"")
    with pytest.raises(ValueError, match="not a course secret"):
        course_secret(tmp_path)


def test_the_secret_file_is_git_ignored():
    ignored = (paths.course_root() / ".gitignore").read_text().splitlines()
    assert "/.lab3-secret" in ignored


# -- the worker ------------------------------------------------------------------------------


def test_the_worker_grades_each_submission_under_its_own_draw(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB3_COURSE_ROOT", str(paths.course_root()))  # grade() sets it
    course = grader.PrivateCourse.__new__(grader.PrivateCourse)
    # the course's data (the checks plan with it); the submissions written in tmp_path
    course.root, course.folders = paths.course_root(), paths.Course(tmp_path)
    course.bundle = SimpleNamespace(assignment="lab3", digest="bundle")
    seen = []
    monkeypatch.setattr(course, "_forget", lambda student: None)
    monkeypatch.setattr(course, "_autograde", lambda *a: seen.append(draws.current()) or {})
    monkeypatch.setitem(grader._COURSES, ("bundle", TaskOptions()), course)
    ada = [draws.Draw.for_submission(SECRET, d, "ada") for d in (DIGEST, "1" * 64, DIGEST)]
    for digest, draw in zip((DIGEST, "1" * 64, DIGEST), ada, strict=True):
        submission = SubmissionFiles("ada", digest, {"lab3.ipynb": b"{}"}, draw)
        grader.grade_submission(course.bundle, submission, TaskOptions())
    grader.grade_submission(course.bundle, SubmissionFiles("ada", DIGEST, {}), TaskOptions())
    # under each draw with the rows the reference passes the K_Means checks on
    assert seen == [*map(checks.usable_draw, ada), draws.Draw.DEFAULT]
    assert [d.kmeans_rows for d in seen[:3]] == [d.kmeans_rows for d in ada]
    assert draws.current() == draws.Draw.DEFAULT


def test_the_driver_draws_and_no_worker_receives_the_secret(tmp_path):
    """The driver turns the secret into each submission's draw; what travels to a worker
    (the submission and the run's options) holds neither the secret nor a way to it."""
    (tmp_path / "lab3.ipynb").write_bytes(b"{}")
    sub = intake.Submission(student="ada", folder=tmp_path, notebook=tmp_path / "lab3.ipynb")
    files = store.submission_files(sub, "lab3.ipynb", SECRET)
    assert files.draw == draws.Draw.for_submission(SECRET, files.digest, "ada")
    assert store.submission_files(sub, "lab3.ipynb").draw is None  # --fixed-inputs
    sent = pickle.dumps((files, TaskOptions()))
    assert SECRET not in sent and SECRET.hex().encode() not in sent
    assert "secret" not in {f.name for f in dataclasses.fields(TaskOptions)}


# -- two courses in one process -----------------------------------------------------------------


def _course(root: Path, shift: float = 0.0) -> Path:
    """A course root whose data is the lab's, the 1-D mixture's samples moved by ``shift``."""
    data = root / "data"
    shutil.copytree(paths.course_root() / "data", data)
    if shift:
        gmm = pickle.loads((data / "GMM.p").read_bytes())
        gmm["X"] = gmm["X"] + shift
        (data / "GMM.p").write_bytes(pickle.dumps(gmm))
    return root


def test_each_course_gets_its_own_reference_results_and_plans(tmp_path, monkeypatch):
    lab, moved = _course(tmp_path / "lab"), _course(tmp_path / "moved", shift=0.5)
    seen = {}
    for root in (lab, moved, lab):
        monkeypatch.setenv("LAB3_COURSE_ROOT", str(root))
        results = (ref.course_digest(), ref.em_mle().mu.tolist(), plan("EM_step"), plan("Set"))
        seen.setdefault(root, results)
        assert seen[root] == results  # the same course again: the same results
    digest_lab, mu_lab, step_lab, set_lab = seen[lab]
    digest_moved, mu_moved, step_moved, set_moved = seen[moved]
    assert digest_lab != digest_moved
    assert sorted(mu_moved) == pytest.approx([m + 0.5 for m in sorted(mu_lab)], abs=1e-6)
    assert step_lab != step_moved and set_lab != set_moved


def test_a_record_is_judged_against_the_course_it_was_planned_for(tmp_path, monkeypatch):
    ns = submissions.run_cells(submissions.source_solutions().values())
    lab, moved = _course(tmp_path / "lab"), _course(tmp_path / "moved", shift=0.5)
    monkeypatch.setenv("LAB3_COURSE_ROOT", str(lab))
    record = checks.record_in_process("EM_step", ns)
    assert checks.judge("EM_step", record) == ""
    monkeypatch.setenv("LAB3_COURSE_ROOT", str(moved))
    assert checks.judge("EM_step", record) != ""  # the lab course's answers, the moved data
    assert checks.judge("EM_step", checks.record_in_process("EM_step", ns)) == ""


def test_data_changed_in_place_is_read_again(tmp_path, monkeypatch):
    root = _course(tmp_path / "course")
    monkeypatch.setenv("LAB3_COURSE_ROOT", str(root))
    before = (ref.course_digest(), ref.gmm_X()[0])
    gmm_file = root / "data" / "GMM.p"
    gmm = pickle.loads(gmm_file.read_bytes())
    gmm["X"] = gmm["X"][:-1] + 1.0
    gmm_file.write_bytes(pickle.dumps(gmm))
    os.utime(gmm_file, ns=(1, 1))
    assert ref.course_digest() != before[0]
    assert ref.gmm_X()[0] == pytest.approx(before[1] + 1.0)


# a key whose first rows the reference fails K_Means_1d on: the best of its runs from the
# planned seeds stops in another local minimum than the subset's best (about 3 in 1,000)
UNLUCKY_KEY = bytes.fromhex("7cc64a68a9653be9ec9c575dec0384e75274a694e193b08910665e10fff5ea32")


def test_rows_the_reference_fails_on_give_way_to_the_next_candidate():
    draw = draws.Draw.from_key(UNLUCKY_KEY)
    with draws.using(draw), pytest.raises(checks.CheckFailure):
        plan("K_Means_1d")  # as drawn, not even the reference passes
    usable = checks.usable_draw(draw)
    assert usable.kmeans_rows == draw.other_kmeans_rows[0] and usable.other_kmeans_rows == ()
    assert usable.seed_offset == draw.seed_offset and usable.centre_seed == draw.centre_seed
    with draws.using(usable):
        for check in checks.KMEANS_CHECKS:
            assert plan(check)["calls"]
    assert checks.usable_draw(draw) == usable  # the same on every regrade


def test_rows_the_reference_passes_on_are_kept():
    for draw in (draws.Draw.DEFAULT, drawn("1" * 64)):
        assert checks.usable_draw(draw) == draw.with_kmeans_rows(draw.kmeans_rows)


def test_when_every_candidate_fails_every_row_is_clustered():
    bad = draws.Draw.from_key(UNLUCKY_KEY).kmeans_rows
    draw = dataclasses.replace(draws.Draw.from_key(UNLUCKY_KEY), other_kmeans_rows=(bad, bad))
    assert checks.usable_draw(draw).kmeans_rows is None


def test_a_course_without_the_labs_data_keeps_its_first_rows(tmp_path, monkeypatch):
    """A course whose notebook has no K_Means check (the pipeline's toy course) has none of
    the lab's data to plan them with: its draw keeps its first rows, and grading goes on."""
    monkeypatch.setenv("LAB3_COURSE_ROOT", str(tmp_path))  # no data/ there
    draw = drawn("2" * 64)
    assert checks.usable_draw(draw) == draw.with_kmeans_rows(draw.kmeans_rows)

"""The student bundle's lab in a real JupyterLab, driven in Chromium like a student would.

The student bundle (``make student-bundle``) is built and unpacked in a scratch
folder, and JupyterLab started the way its README says (``start_lab.py``: the
bundle's ``jupyter/`` configuration only, nothing of the course) on copies of
the bundle's notebook in which the solution cells are filled in. The test
opens the notebook, runs all cells from the Run menu, clicks nbgrader's
Validate button and reads the verdict dialog; then the same with a wrong
``Set``. Screenshots go to ``.artifacts/browser/``.

The instructor's class report (``reports/class_report.html``) is opened from
disk the same way: it must render (its figure loaded) and every link must
resolve, from the report to each student's feedback page and from the
feedback summary to the test cells it names.

Every page ``make grade`` writes is checked as a reader meets it: a course
is graded for real (a full-marks student, a partial one whose K_Means and EM
get pictures, and a hostile submission writing HTML, 24-bit ANSI colours and
TeX into its own page), and each feedback page and the class report must have
no serious or critical violation of axe-core's WCAG 2.0-2.2 A and AA rules,
make no request outside itself (every request is recorded; anything but the
page's own file is refused), and, for the feedback pages, give the summary the
first tab stop.

Playwright drives Debian's ``/usr/bin/chromium`` (its own browser download does
not work here); ``.ci/run`` installs the package when it is missing. axe-core
comes with the ``axe-playwright-python`` package (requirements.txt).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from kmeans_em_lab.course import submissions
from kmeans_em_lab.exchange import student_bundle as bundle
from kmeans_em_lab.pipeline.pages import feedback
from kmeans_em_lab.pipeline.reports import class_page

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / ".artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTRUCTOR_PLUGINS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
)
# A typical bug: `Set` returns each sample's cluster index instead of the dict of samples.
WRONG_SET = """\
def Set(X, m):
    X2 = np.reshape(X, (len(X), -1))
    m2 = np.reshape(m, (len(m), -1))
    sq_dist = ((X2[:, None, :] - m2[None, :, :]) ** 2).sum(axis=2)
    labels = np.argmin(sq_dist, axis=1)
    return labels, float(sq_dist.min(axis=1).sum())
"""
SERVER_START_TIMEOUT = 90  # s; two shared cores
RUN_ALL_TIMEOUT = 300_000  # ms
VALIDATE_TIMEOUT = 420_000  # ms: Validate executes the whole notebook again on the server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


# --------------------------------------------------------------------------
# The notebooks: the release with its solution cells filled in
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def student_bundle(tmp_path_factory) -> Path:
    """The student bundle, built and unpacked from its zip: its folder."""
    _, archive = bundle.build(REPO, tmp_path_factory.mktemp("dist"))
    unpacked = tmp_path_factory.mktemp("student")
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(unpacked)
    return unpacked / bundle.BUNDLE


@pytest.fixture(scope="module")
def lab_root(student_bundle) -> Path:
    """JupyterLab's root, the bundle's ``lab3/``, with ``correct/`` and ``wrong_set/`` in it.

    ``correct`` is the bundle's notebook with every solution cell taken from the
    source notebook; ``wrong_set`` the same with ``WRONG_SET`` in the ``Set`` cell.
    """
    root = student_bundle / "lab3"
    notebook = root / "lab3.ipynb"
    solutions = submissions.source_solutions()
    assert "Set" in solutions, f"no solution cell with id 'Set' in {sorted(solutions)}"
    for name, code in (("correct", solutions), ("wrong_set", {**solutions, "Set": WRONG_SET})):
        submissions.write_submission(submissions.Edits(replace=code), root / name, notebook)
    return root


# --------------------------------------------------------------------------
# JupyterLab and Chromium
# --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    def __init__(self, url: str, token: str, log: Path):
        self.url, self.token, self.log = url, token, log

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="module")
def lab(student_bundle, lab_root, tmp_path_factory):
    """JupyterLab as the bundle's README starts it: ``python start_lab.py``, in the bundle.

    ``start_lab.py`` sets ``JUPYTER_CONFIG_PATH`` to the bundle's ``jupyter/`` and
    runs in the bundle's folder, so nothing of the course's configuration is read.
    """
    home = tmp_path_factory.mktemp("jupyter_home")
    port, token = free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "LAB3_"))}
    # start_lab.py drops MPLBACKEND itself (e.g. make's Agg, which would hide the plots).
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        # Nothing from (or written to) the user's ~/.jupyter: settings, workspaces.
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
    )
    cmd = [
        sys.executable,
        str(student_bundle / "start_lab.py"),
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",
        f"--IdentityProvider.token={token}",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = home / "jupyterlab.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Lab(f"http://127.0.0.1:{port}", token, log)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{server.log_tail()}")
            try:
                request = urllib.request.Request(
                    f"{server.url}/api/status", headers={"Authorization": f"token {token}"}
                )
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"JupyterLab did not answer in {SERVER_START_TIMEOUT} s:\n{server.log_tail()}"
                )
            time.sleep(0.5)
        yield server
    finally:
        # The server's process group: the server and the kernels it started.
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _installed_chromium() -> str | None:
    """$LAB3_CHROMIUM, Debian's chromium, or a Chrome/Chromium on PATH (e.g. GitHub's runners)."""
    candidates = [os.environ.get("LAB3_CHROMIUM"), CHROMIUM]
    candidates += [shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


def find_chromium() -> str | None:
    if _installed_chromium():
        return _installed_chromium()
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
            if subprocess.run(step, env=env, capture_output=True, timeout=900).returncode:
                break
    return _installed_chromium()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    for stale in ARTIFACTS.glob("failed-*"):
        stale.unlink()

    executable = find_chromium()
    if executable is None:
        pytest.skip(
            f"no Chromium at {CHROMIUM} and it cannot be installed here (needs root and "
            "apt-get): install Debian's chromium package, as .ci/run does"
        )
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, lab, request):
    """A fresh browser tab; on failure, its screenshot, console and the server log in ARTIFACTS."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    failed_before = request.session.testsfailed
    yield page
    if request.session.testsfailed > failed_before:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"failed-{request.node.name}.png")
        (ARTIFACTS / f"failed-{request.node.name}.log").write_text(
            "\n".join(["browser console:", *console[-40:], "", "JupyterLab log:", lab.log_tail()])
        )
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png")


def open_notebook(page, lab: Lab, root: Path, path: str):
    """Open ``root / path`` in a fresh workspace; its panel, all cells shown, kernel idle.

    The toolbar's execution indicator says "idle" before any kernel exists, and
    the cells render in batches: Run All clicked then finds no kernel (a
    "Select Kernel" dialog) or runs part of the notebook. So wait for every
    cell and for the status bar's "<kernel> | Idle".
    """
    n_cells = len(json.loads((root / path).read_text())["cells"])
    page.goto(f"{lab.url}/lab/tree/{path}?reset&token={lab.token}")
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    panel.locator(".jp-Cell").nth(n_cells - 1).wait_for(state="attached", timeout=120_000)
    assert panel.locator(".jp-Cell").count() == n_cells
    kernel = page.locator("#jp-main-statusbar .jp-StatusBar-TextItem[title^='Change kernel']")
    kernel.filter(has_text=re.compile(r"\| Idle$")).wait_for(timeout=120_000)
    return panel


def run_all_cells(page, panel, expect_all: bool) -> None:
    """Run > Run All Cells, and wait until nothing is running or queued.

    JupyterLab marks every queued cell ``[*]`` when Run All starts; the kernel
    aborts the queue after an error. The prompts start empty (fresh copy), so
    "no ``[*]`` and at least one number" only holds once the run is over.
    """
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    label = page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$"))
    page.locator(".lm-Menu-item", has=label).click()
    page.wait_for_function(
        """([panel, expectAll]) => {
            const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                .map(e => e.textContent.trim());
            const done = prompts.filter(t => /^\\[\\d+\\]:$/.test(t)).length;
            const idle = panel.querySelector(".jp-Notebook-ExecutionIndicator")
                ?.getAttribute("data-status") === "idle";
            return idle && !prompts.includes('[*]:') && done > 0
                && (!expectAll || done === prompts.length);
        }""",
        arg=[panel.element_handle(), expect_all],
        timeout=RUN_ALL_TIMEOUT,
        polling=250,
    )


def validate(page, panel):
    """Click Validate; the verdict dialog's message element."""
    button = panel.locator(".jp-Toolbar .validate-button")
    assert button.inner_text().strip() == "Validate"
    button.click()
    dialog = page.locator(".jp-Dialog", has=page.locator("#validation-message"))
    dialog.wait_for(timeout=VALIDATE_TIMEOUT)
    assert dialog.locator(".jp-Dialog-header").inner_text().strip() == "Validation Results"
    return dialog


# --------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------


def test_student_jupyterlab_has_validate_but_no_instructor_tools(page, lab, lab_root):
    panel = open_notebook(page, lab, lab_root, "correct/lab3.ipynb")
    shot(page, "01-student-lab-opened")

    assert panel.locator(".jp-Toolbar .validate-button").is_visible()
    config = json.loads(page.locator("#jupyter-config-data").text_content())
    disabled = set(config.get("disabledExtensions", []))
    assert set(INSTRUCTOR_PLUGINS) <= disabled, f"disabled plugins: {sorted(disabled)}"
    assert "@jupyter/nbgrader:validate-assignment" not in disabled
    assert "@jupyter/nbgrader:assignment-list" not in disabled

    # No "Create Assignment" sidebar, no formgrader tab.
    assert page.locator("#nbgrader-create_assignemnt").count() == 0  # (sic) nbgrader's id
    assert page.get_by_title("Nbgrader Create Assignment").count() == 0
    assert page.locator("#formgrader").count() == 0

    # The Nbgrader menu offers the assignment list only.
    page.locator(".lm-MenuBar-item", has_text="Nbgrader").click()
    items = page.locator("#jp-mainmenu-nbgrader .lm-Menu-item").filter(visible=True)
    labels = [label.strip() for label in items.all_inner_texts()]
    assert labels == ["Assignment List"], labels
    shot(page, "02-nbgrader-menu")
    page.keyboard.press("Escape")

    # Server side: formgrader is off, the student extensions answer.
    auth = {"Authorization": f"token {lab.token}"}
    assert page.request.get(f"{lab.url}/formgrader", headers=auth).status == 404
    version = page.request.get(f"{lab.url}/nbgrader_version?version=0.9.6", headers=auth)
    assert version.ok and version.json() == {"success": True}


def test_correct_solutions_pass_validate(page, lab, lab_root):
    panel = open_notebook(page, lab, lab_root, "correct/lab3.ipynb")
    run_all_cells(page, panel, expect_all=True)
    errors = panel.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    panel.locator(".jp-OutputArea-output img").last.scroll_into_view_if_needed()
    shot(page, "03-correct-run-all")
    assert errors.filter(has_text="Traceback").count() == 0, errors.first.inner_text()

    dialog = validate(page, panel)
    shot(page, "04-correct-validate")
    message = dialog.locator("#validation-message")
    assert message.inner_text().strip() == "Success! Your notebook passes all the tests."
    assert "validation-success" in (message.get_attribute("class") or "")
    dialog.get_by_role("button", name="Ok").click()
    dialog.wait_for(state="detached")


def test_wrong_set_fails_validate(page, lab, lab_root):
    panel = open_notebook(page, lab, lab_root, "wrong_set/lab3.ipynb")
    run_all_cells(page, panel, expect_all=False)
    failure = panel.locator(".jp-OutputArea-output", has_text="AssertionError")
    assert failure.count() >= 1
    failure.first.scroll_into_view_if_needed()
    shot(page, "05-wrong-set-run-all")

    dialog = validate(page, panel)
    message = dialog.locator("#validation-message")
    # Each failure is the test cell's source, then its traceback: show the first traceback.
    message.locator(".jp-RenderedText pre").nth(1).scroll_into_view_if_needed()
    shot(page, "06-wrong-set-validate")
    assert "validation-failed" in (message.get_attribute("class") or "")
    text = message.inner_text()
    (ARTIFACTS / "06-wrong-set-validate.txt").write_text(text)
    assert "Success!" not in text
    failures = text.split("The following cell failed:")[1:]
    assert failures, text
    # The first failing test cell calls Set, and its message says what was wrong.
    first = failures[0]
    reason = re.search(r"^AssertionError: (.+)$", first, re.M)
    assert "Set(" in first and reason, first


# --------------------------------------------------------------------------
# The class report, from disk
# --------------------------------------------------------------------------

FEEDBACK_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>lab3 feedback</title></head><body>
<a name="top"></a><h4>lab3</h4>
<a name="test_Set_public"></a><div>Set's public test</div>
<a name="test_Set_hidden"></a><div>Set's hidden test</div>
<a name="test_EM_hidden"></a><div>EM's hidden test</div>
</body></html>
"""


@pytest.fixture(scope="module")
def class_report(tmp_path_factory) -> Path:
    """``reports/class_report.html`` of a small class (test_pipeline_class_page's), and a
    feedback page with its summary for each graded student."""
    from pipeline_fixtures.judged_notebooks import graded, judged, solution
    from test_pipeline_class_page import CAUSES, LAYOUT, OUTCOMES, TABLE

    from kmeans_em_lab.pipeline.worker.execute import error_output

    root = tmp_path_factory.mktemp("report_course")
    settings = SimpleNamespace(
        reports=root / "reports",
        notebook_id="lab3",
        feedback_dir=lambda student: root / "feedback" / student / "lab3",
    )
    failing = [error_output("NotImplementedError", "")]
    autograded = judged(
        [solution("Set"), graded("test_Set_public", "Set()\n", 5, failing),
         graded("test_Set_hidden", "Set()\n", 10, failing), solution("EM"),
         graded("test_EM_hidden", "EM()\n", 25, failing)],
        {},
    )  # fmt: skip
    summary = feedback.summary_html(autograded)
    for student in ("ada", "alan", "grace"):
        page = settings.feedback_dir(student) / "lab3.html"
        page.parent.mkdir(parents=True)
        page.write_text(feedback.insert(FEEDBACK_PAGE, summary))
    return class_page.write_html(settings, TABLE, LAYOUT, OUTCOMES, CAUSES, "lab3: class report")


def test_class_report_renders_and_its_links_resolve(browser, class_report):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        page.goto(class_report.as_uri())
        assert page.title() == "lab3: class report"
        figure = page.locator("img").first
        figure.wait_for()
        assert page.evaluate(
            "img => img.complete && img.naturalWidth > 600", figure.element_handle()
        )
        assert page.locator("table.causes tbody tr").count() == 5
        assert page.locator("table.students tbody tr").count() == 4
        shot(page, "07-class-report")

        links = page.locator("table.students a").evaluate_all("links => links.map(a => a.href)")
        assert len(links) == 3, links
        for href in links:
            page.goto(href)
            assert page.url == href and page.title() == "lab3 feedback"
            summary = page.locator("#lab3-summary")
            assert summary.is_visible() and "Summary: 0 / 40 points" in summary.inner_text()
            anchors = summary.locator("a").evaluate_all(
                "links => links.map(a => a.getAttribute('href'))"
            )
            assert anchors and all(a.startswith("#") for a in anchors), anchors
            for anchor in set(anchors):
                assert page.locator(f'a[name="{anchor[1:]}"]').count() == 1, anchor
        shot(page, "08-feedback-summary")
    finally:
        context.close()


# --------------------------------------------------------------------------
# Every page `make grade` writes, under axe-core, offline
# --------------------------------------------------------------------------

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")
PARTIAL = ("bug_kmeans_one_iteration", "bug_em_loglik_swapped_priors")  # both get a picture
HOSTILE_OUTPUT = (
    'print("\\x1b[38;2;250;250;250mwhite on white\\x1b[0m \\x1b[48;5;16;38;5;17mdark on black'
    '\\x1b[0m \\x1b[7minverse\\x1b[0m " + "a very long line " * 40)'
)
HOSTILE_MARKDOWN = (
    "# My notes $x<y$\n\n"
    "$\\text{<script>document.title = 'ATTACK-XSS tex'</script>}$ "
    "$\\href{javascript:document.title = 'ATTACK-XSS href'}{x}$ $\\color{white}{y}$ "
    "$$\\style{color:white}{z} = \\frac{1}{2}$$ ![](https://example.org/ATTACK.png)"
)
PAGES = ("full_marks", "partial", "hostile", "class_report", "similarity")


def _cases() -> dict:
    from kmeans_em_lab.course import corpus

    validity, security = corpus.Corpus.at("validity").cases(), corpus.Corpus.at("security").cases()
    solutions = submissions.source_solutions()
    partial = dict(solutions)
    for name in PARTIAL:
        partial.update(
            {k: v for k, v in validity[name].edits.replace.items() if v != solutions.get(k)}
        )
    return {
        "full_marks": validity["solution"],
        "partial": SimpleNamespace(edits=submissions.Edits(replace=partial)),
        "hostile": security["attack_feedback_script"],
    }


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory) -> dict[str, Path]:
    """A course graded by the pipeline (test_corpus's scratch course): name -> its page."""
    import nbformat
    from test_corpus import build_course, grade_course

    from kmeans_em_lab.course import paths

    root = build_course(tmp_path_factory.mktemp("graded_course"), _cases())
    notebook = root / "submitted" / "hostile" / paths.ASSIGNMENT / paths.NOTEBOOK
    nb = nbformat.read(notebook, as_version=4)
    nb.cells += [nbformat.v4.new_code_cell(HOSTILE_OUTPUT),
                 nbformat.v4.new_markdown_cell(HOSTILE_MARKDOWN)]  # fmt: skip
    nbformat.write(nb, notebook)
    grade_course(root)
    pages = {
        name: root / "feedback" / name / paths.ASSIGNMENT / f"{Path(paths.NOTEBOOK).stem}.html"
        for name in PAGES[:3]
    }
    reports = root / "reports"
    return {
        **pages,
        "class_report": reports / class_page.FILE,
        "similarity": reports / "similarity.html",
    }


def open_offline(browser, page_file: Path):
    """A tab showing ``page_file``, every request but the file itself refused and recorded."""
    # a feedback page's content security policy forbids every script; axe-core is this
    # test's own, injected into the page, so the context lets it run (bypass_csp)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    context.set_default_timeout(30_000)
    requested: list[str] = []
    url = page_file.as_uri()

    def only_the_page(route):
        requested.append(route.request.url)
        route.continue_() if route.request.url == url else route.abort()

    context.route("**/*", only_the_page)
    page = context.new_page()
    page.on("request", lambda r: requested.append(r.url))
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    return context, page, requested, url


def serious_violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    return [v for v in results.response["violations"] if v["impact"] in BLOCKING]


def _described(violations) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}, {len(v['nodes'])} elements): {v['help']}; e.g. "
        f"{v['nodes'][0]['target']} {v['nodes'][0]['failureSummary'][:300]}"
        for v in violations
    )


@pytest.mark.parametrize("name", PAGES)
def test_every_page_passes_axe_and_asks_for_nothing_outside_itself(browser, graded_course, name):
    context, page, requested, url = open_offline(browser, graded_course[name])
    try:
        shot(page, f"09-{name}")
        violations = serious_violations(page)
        assert not violations, _described(violations)
        outside = [u for u in requested if u != url and not u.startswith("data:")]
        assert not outside, outside
        assert page.evaluate("document.documentElement.lang") == "en"
        assert page.locator("script").count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("name", PAGES[:3])
def test_a_keyboard_user_reaches_the_summary_first(browser, graded_course, name):
    context, page, _, _ = open_offline(browser, graded_course[name])
    try:
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e.closest('#lab3-summary') ? e.id || 'inside' : e.outerHTML.slice(0, 80); }"
        )
        assert focused == "lab3-summary", focused
        name_of = page.locator("#lab3-summary").get_attribute("aria-labelledby")
        assert page.locator(f"#{name_of}").inner_text().startswith("Summary: ")
    finally:
        context.close()


def test_pictures_and_maths_say_what_they_show(browser, graded_course):
    context, page, _, _ = open_offline(browser, graded_course["partial"])
    try:
        alts = page.locator("#lab3-summary img").evaluate_all("imgs => imgs.map(i => i.alt)")
        assert len(alts) == 2, alts
        assert "distortion" in alts[0] and "log-likelihood" in alts[1], alts
        assert page.locator("math").count() >= 30  # the lab's formulas, rendered by the browser
        width = page.locator("math[display=block]").first.evaluate(
            "m => m.getBoundingClientRect().width"
        )
        assert width > 20
    finally:
        context.close()
    context, page, _, _ = open_offline(browser, graded_course["hostile"])
    try:
        assert "ATTACK-XSS" not in page.title()
        assert page.get_by_text("white on white").count() >= 1  # shown, in the page's colours
        heading = page.locator("h1", has_text="My notes")
        assert heading.locator("math").count() == 1
    finally:
        context.close()


# --------------------------------------------------------------------------
# The similarity report (reports/similarity.html) of the generated calibration class
# --------------------------------------------------------------------------

# the README's picture of the page: made from the generated class (no real student)
SIMILARITY_SCREENSHOT = REPO / "docs" / "similarity-page.png"


@pytest.fixture(scope="module")
def similarity_page(tmp_path_factory) -> Path:
    """``similarity.html`` of the generated calibration class (lab3_dev/similarity)."""
    from kmeans_em_lab import similarity
    from kmeans_em_lab.course.paths import Course
    from kmeans_em_lab.similarity import classroom, evidence, page
    from lab3_dev.similarity import calibrate, classgen

    subs = calibrate.submissions(classgen.build())
    tpl = classroom.release_template()
    pairs = evidence.analyse(subs, tpl, classroom.reference(Course.at()))
    out = tmp_path_factory.mktemp("similarity") / "reports" / similarity.FILE
    return page.write(out, pairs, subs, tpl, "lab3: similar submissions")


def test_the_similarity_page_renders_and_passes_axe(browser, similarity_page):
    context, page, requested, url = open_offline(browser, similarity_page)
    try:
        assert page.title() == "lab3: similar submissions"
        rows = page.locator("table").first.locator("tbody tr")
        assert rows.count() >= 12  # the generated class's copied pairs
        first = rows.first.locator("a")
        first.click()
        assert page.url.endswith("#pair-1")
        assert page.locator("#pair-1 ~ div.side pre").first.is_visible()
        assert page.locator("mark").count() > 0  # shared lines marked
        page.evaluate("window.scrollTo(0, 0)")
        shot(page, "10-similarity")
        if os.environ.get("LAB3_UPDATE_SCREENSHOTS") == "1":  # the README's picture
            SIMILARITY_SCREENSHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=SIMILARITY_SCREENSHOT)
        violations = serious_violations(page)
        assert not violations, _described(violations)
        outside = [u for u in requested if u != url and not u.startswith("data:")]
        assert not outside, outside
        assert page.evaluate("document.documentElement.lang") == "en"
        assert page.locator("script").count() == 0
    finally:
        context.close()

"""The kernel sandbox (kmeans_em_lab/pipeline/worker/sandbox.py), tested from the student's side.

The slow tests start real kernels through ``SandboxedKernelManager`` and run
cells that try what a student could: read the course, write outside the
scratch folder, reach the network or the grader's environment, import
forbidden packages, exhaust memory, processes or disk, leave processes behind.
They are skipped (with the reason) where :func:`check_sandbox` says the
sandbox cannot start.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import site
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import psutil
import pytest
from jupyter_client.manager import AsyncKernelManager

from kmeans_em_lab.pipeline.worker import sandbox
from kmeans_em_lab.pipeline.worker.sandbox import SandboxedKernelManager, check_sandbox

ROOT = Path(__file__).resolve().parents[2]
SECRET_URL = "postgresql://u:secret@h/db"

needs_sandbox = pytest.mark.skipif(
    check_sandbox() is not None, reason=f"the sandbox cannot start here: {check_sandbox()}"
)


# -- helpers --------------------------------------------------------------------------------


class Kernel:
    """A kernel started through SandboxedKernelManager, driven synchronously."""

    def __init__(self, cwd: Path, package: Path, start: dict | None = None, **traits):
        self.folder = cwd
        self.ipc = Path(tempfile.mkdtemp(prefix="l3", dir="/tmp"))  # socket paths < 100 bytes
        (self.ipc / "ipc").mkdir()  # the sandbox makes it; a kernel without it needs it too
        self.loop = asyncio.new_event_loop()
        self.km = SandboxedKernelManager(
            transport="ipc", ip=str(self.ipc / "ipc" / "k"), kernel_package=str(package), **traits
        )
        self.kc = None
        try:
            self.run(self.km.start_kernel(cwd=str(cwd), **(start or {})))
            self.kc = self.km.client()
            self.kc.start_channels()
            self.run(self.kc.wait_for_ready(timeout=60))
        except BaseException:
            self.close()
            raise

    def run(self, coro, timeout: float = 90):
        return self.loop.run_until_complete(asyncio.wait_for(coro, timeout))

    def execute(self, code: str, timeout: float = 60, interrupt_after: float | None = None):
        """(status, stdout, ename) of one cell; ``interrupt_after`` seconds: interrupt it."""
        out: list[str] = []
        error: list[str] = []

        def hook(msg):
            if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                error.append(msg["content"]["ename"])

        async def go():
            cell = textwrap.dedent(code)
            reply = asyncio.ensure_future(
                self.kc.execute_interactive(cell, timeout=timeout, output_hook=hook)
            )
            if interrupt_after is not None:
                await asyncio.sleep(interrupt_after)
                await self.km.interrupt_kernel()
            return await reply

        reply = self.run(go(), timeout + 10)
        return reply["content"]["status"], "".join(out), error[0] if error else None

    def json(self, code: str, **kw):
        """The JSON object the cell prints on its last line (the cell must succeed)."""
        status, out, ename = self.execute(code, **kw)
        assert status == "ok", (ename, out)
        return json.loads(out.strip().splitlines()[-1])

    def kill(self) -> None:
        """What the pipeline does to a stuck kernel: SIGKILL its process group."""
        os.killpg(self.km.provisioner.pgid, signal.SIGKILL)
        self.km.provisioner.process.wait(10)

    def close(self) -> None:
        try:
            if self.kc is not None:
                self.kc.stop_channels()
            if self.run(self.km.is_alive()):
                self.run(self.km.shutdown_kernel(now=False))
            self.run(self.km.cleanup_resources())
        finally:
            self.loop.close()
            shutil.rmtree(self.ipc, ignore_errors=True)


def make_course(root: Path) -> dict[str, Path]:
    """A notebook folder (with symlinks out of it), a kernel package, an inbox, an outbox."""
    folder = root / "autograded" / "alice" / "lab3"
    (folder / "sub").mkdir(parents=True)
    (folder / "data.txt").write_text("student data")
    (folder / "sub" / "nested.txt").write_text("nested")
    (folder / "lab3.ipynb").write_text("{}")
    (root / "secret.txt").write_text("hidden tests")
    (root / "secretdir").mkdir()
    (root / "secretdir" / "answers.txt").write_text("answers")
    (folder / "link.txt").symlink_to(root / "secret.txt")
    (folder / "linkdir").symlink_to(root / "secretdir")
    package = root / "lab3_kernel"
    package.mkdir()
    (package / "__init__.py").write_text("ANSWER = 42\n")
    inbox, outbox = root / "inbox", root / "outbox"
    inbox.mkdir()
    outbox.mkdir()
    (inbox / "task.json").write_text("{}")
    startup = root / "00-startup.py"
    startup.write_text("STARTED_BY = 'the startup file'\n")
    return {
        "folder": folder,
        "package": package,
        "inbox": inbox,
        "outbox": outbox,
        "startup": startup,
    }


def sandbox_processes() -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["cmdline"]) if "997.5" in (p.info["cmdline"] or [])]


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> dict[str, Path]:
    return make_course(tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="module")
def kernel(course):
    """One sandboxed kernel for the tests that leave it usable (1 MiB file size limit)."""
    if check_sandbox() is not None:
        pytest.skip(f"the sandbox cannot start here: {check_sandbox()}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LAB3_DB_URL", SECRET_URL)
        k = Kernel(
            course["folder"],
            course["package"],
            max_file_size=2**20,
            extra_binds=[
                (str(course["inbox"]), "/lab3/inbox", False),
                (str(course["outbox"]), "/lab3/outbox", True),
            ],
            sandbox_env={"LAB3_INBOX": "/lab3/inbox", "LAB3_KERNEL_OUTPUT_BYTES": 1000},
            ipython_startup=str(course["startup"]),
        )
    yield k
    k.close()


# -- without a kernel -----------------------------------------------------------------------


def test_every_bind_is_mounted_after_the_private_tmp(monkeypatch):
    """A course (its venv) or a Python under /tmp must not be hidden by the sandbox's own
    /tmp: the tmpfs mounts come before every bind."""
    monkeypatch.setattr(sandbox.sys, "prefix", "/tmp/course/.venv")
    cmd = sandbox.sandbox_command(
        ["python"], binds=[("/tmp/lab3-mail-x/inbox", "/lab3/inbox", False)], font_cache=False
    )
    tmpfs = [i for i, arg in enumerate(cmd) if arg == "--tmpfs"]
    binds = [i for i, arg in enumerate(cmd) if arg in ("--bind", "--ro-bind", "--ro-bind-try")]
    assert cmd[tmpfs[0] + 1] == "/tmp" and max(tmpfs) < min(binds)
    assert cmd[cmd.index("/tmp/course/.venv") - 1] == "--ro-bind"


def test_no_sandbox_gives_the_plain_command(tmp_path):
    plain = AsyncKernelManager(connection_file=str(tmp_path / "k.json"))
    unboxed = SandboxedKernelManager(sandbox=False, connection_file=str(tmp_path / "k.json"))
    assert unboxed.format_kernel_cmd(["-x"]) == plain.format_kernel_cmd(["-x"])
    assert unboxed.kernel_spec.interrupt_mode == plain.kernel_spec.interrupt_mode == "signal"


def test_sandboxed_kernels_are_interrupted_by_message():
    assert SandboxedKernelManager().kernel_spec.interrupt_mode == "message"


def test_copy_skips_symlinks_and_notebooks_and_caps_the_size(tmp_path):
    paths = make_course(tmp_path / "course")
    copy = tmp_path / "copy"
    copy.mkdir()
    used = sandbox.copy_folder(paths["folder"], copy, limit=1000)
    assert sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*")) == [
        "data.txt",
        "sub",
        "sub/nested.txt",
    ]
    assert used == len("student data") + len("nested")
    with pytest.raises(sandbox.SandboxError, match="more than 10 bytes"):
        sandbox.copy_folder(paths["folder"], tmp_path / "copy2", limit=10)


def test_scratch_removal_survives_unreadable_folders(tmp_path):
    top = tmp_path / "scratch"
    (top / "a" / "b").mkdir(parents=True)
    (top / "a" / "b" / "f").write_text("x")
    (top / "a" / "b").chmod(0)
    (top / "a").chmod(0)
    code = f"from {sandbox.__name__} import remove_tree; remove_tree({str(top)!r})"
    remove = [sys.executable, "-c", code]
    if os.geteuid() == 0:  # root without capabilities: 000 means 000, as for anyone else
        remove = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--", *remove]
    subprocess.run(remove, check=True, timeout=60)
    assert not top.exists()


def test_without_a_pids_cgroup_rlimit_nproc_counts_on_top_of_the_users_tasks():
    # RLIMIT_NPROC counts every task of the user (and none for root): a bare max_processes
    # would stop a non-root grader's sandboxes from starting at all
    km = SandboxedKernelManager(pids_cgroup="", max_processes=50)
    assert sandbox.pids_cgroup(km.pids_cgroup, "unused", 50) is None
    (nproc,) = [int(a.split("=")[1]) for a in km._limits() if a.startswith("--nproc=")]
    assert nproc >= 50 + threading.active_count()


def test_check_sandbox_explains_a_missing_bwrap(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox, "BWRAP", str(tmp_path / "bwrap"))
    check_sandbox.cache_clear()
    try:
        message = check_sandbox()
    finally:
        monkeypatch.undo()
        check_sandbox.cache_clear()
    assert message is not None
    assert "apt-get install bubblewrap" in message and "dnf install bubblewrap" in message
    assert "--no-sandbox" in message


@needs_sandbox
def test_check_sandbox_explains_a_sandbox_that_fails(monkeypatch):
    monkeypatch.setattr(sandbox, "BWRAP_FLAGS", (*sandbox.BWRAP_FLAGS, "--no-such-flag"))
    check_sandbox.cache_clear()
    try:
        message = check_sandbox()
    finally:
        monkeypatch.undo()
        check_sandbox.cache_clear()
    assert message is not None and "--no-such-flag" in message  # bwrap's own words
    assert "kernel.unprivileged_userns_clone" in message and "user.max_user_namespaces" in message
    assert "kernel.apparmor_restrict_unprivileged_userns" in message and "--no-sandbox" in message


# -- inside a kernel ------------------------------------------------------------------------


@pytest.mark.slow
@needs_sandbox
def test_cwd_is_a_copy_of_the_notebook_folder(kernel, course):
    seen = kernel.json(
        """
        import json, os
        print(json.dumps({"cwd": os.getcwd(), "files": sorted(os.listdir(".")),
                          "data": open("data.txt").read(),
                          "nested": open("sub/nested.txt").read()}))
        """
    )
    assert seen == {
        "cwd": "/lab3/submission",
        "files": ["data.txt", "sub"],  # no notebook, no symlink
        "data": "student data",
        "nested": "nested",
    }


@pytest.mark.slow
@needs_sandbox
def test_the_ipython_startup_file_runs_before_the_first_cell(kernel):
    assert kernel.execute("print(STARTED_BY)")[:2] == ("ok", "the startup file\n")


@pytest.mark.slow
@needs_sandbox
def test_writes_stay_in_the_sandbox(kernel, course):
    before = sorted(p.name for p in course["folder"].iterdir())
    results = kernel.json(
        f"""
        import json, os, sys
        def attempt(path):
            try:
                with open(path, "w") as f:
                    f.write("x")
                return "written"
            except OSError as err:
                return type(err).__name__
        targets = ["new.txt", "data.txt", "/tmp/t.txt", "/lab3/outbox/out.txt",
                   sys.prefix + "/x", {sys.base_prefix!r} + "/x", "/usr/x", "/etc/x", "/x",
                   "/lab3/x", "/lab3/lib/lab3_kernel/x", "/lab3/inbox/x", "/dev/x",
                   "/tmp/ipython/profile_default/startup/00-startup.py",
                   {os.path.realpath(kernel.km.connection_file)!r},
                   {str(course["folder"])!r} + "/x"]
        print(json.dumps({{"inbox": open("/lab3/inbox/task.json").read(),
                          **{{t: attempt(t) for t in targets}}}}))
        """
    )
    assert results.pop("inbox") == "{}"
    written = {t for t, r in results.items() if r == "written"}
    assert written == {"new.txt", "data.txt", "/tmp/t.txt", "/lab3/outbox/out.txt"}, results
    assert sorted(p.name for p in course["folder"].iterdir()) == before
    assert (course["folder"] / "data.txt").read_text() == "student data"
    assert (course["outbox"] / "out.txt").read_text() == "x"
    assert json.loads(Path(kernel.km.connection_file).read_text())["transport"] == "ipc"


@pytest.mark.slow
@needs_sandbox
def test_no_other_user_reaches_what_the_kernel_writes(kernel):
    """The kernel owns its working folder: it may open it to everyone and leave a setuid
    program there, which on the host runs as the grader's user (root, when grading as
    root). A student's own process on the grading machine could then run it. The folder
    lives in a private folder of the grader's, out of the kernel's reach."""
    made = kernel.json(
        """
        import json, os, shutil, sys
        shutil.copy(sys.executable, "py")
        os.chmod("py", 0o4755)
        os.chmod("/lab3/submission", 0o777)
        print(json.dumps({"mode": oct(os.stat("py").st_mode & 0o7777)}))
        """
    )
    scratch = kernel.km._scratch
    assert (scratch / "py").is_file() and made["mode"] in ("0o4755", "0o755")
    for folder in (scratch.parent, *scratch.parent.parents):
        info = folder.stat()
        opened = info.st_mode & 0o077
        # every folder above it: private to the grader, or not writable by others (/tmp's
        # sticky bit keeps the private folder where it is)
        assert (
            (opened == 0 and info.st_uid == os.geteuid())
            or not info.st_mode & 0o022
            or (info.st_mode & 0o1000)
        ), folder
    assert scratch.parent.stat().st_mode & 0o077 == 0
    if os.geteuid() == 0 and shutil.which("setpriv"):  # as another user of the machine
        # (through a shell: setpriv finds the program it runs before it changes users)
        other = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
        ran = subprocess.run([*other, "/bin/sh", "-c", '"$0" -c "print(1)"', scratch / "py"],
                             capture_output=True, text=True)  # fmt: skip
        assert ran.returncode != 0 and "ermission denied" in ran.stderr, ran


@pytest.mark.parametrize("boxed", [True, False], ids=["sandboxed", "no-sandbox"])
def test_the_connection_file_is_written_in_a_private_folder(course, monkeypatch, boxed):
    """jupyter_client names a kernel's connection file in /tmp with mkstemp, then removes
    it and opens the name again, following a link: another user of the machine could put
    one there in between, and the grader wrote the kernel's key through it into any file
    it can write (the gradebook). The file is written in a private folder instead."""
    if boxed and check_sandbox() is not None:
        pytest.skip(f"the sandbox cannot start here: {check_sandbox()}")

    def shared_tmp(*args, **kwargs):
        raise AssertionError("a connection file named in the shared /tmp")

    monkeypatch.setattr("jupyter_client.connect.tempfile.mkstemp", shared_tmp)
    k = Kernel(course["folder"], course["package"], sandbox=boxed)
    try:
        written = Path(k.km.connection_file)
        assert written.is_file() and json.loads(written.read_text())["key"]
        info = written.parent.stat()
        assert info.st_mode & 0o777 == 0o700 and info.st_uid == os.geteuid()
    finally:
        k.close()
    assert not written.parent.exists()


@pytest.mark.slow
@needs_sandbox
def test_the_course_is_not_visible(kernel, course):
    names = ["source", "gradebook.db", "submitted", "autograded", "feedback", ".git"]
    paths = [ROOT / name for name in names] + [course["folder"], course["folder"].parents[2]]
    paths = [str(p) for p in paths if p.exists()]  # on the host
    assert len(paths) >= 5
    seen = kernel.json(
        f"""
        import json, os
        print(json.dumps({{"exists": [p for p in {paths!r} if os.path.lexists(p)],
                          "root": sorted(os.listdir({str(ROOT)!r}))}}))
        """
    )
    assert seen["exists"] == []
    # the course's folder shows at most the venv (bound read-only at its own path)
    venv = Path(sys.prefix).resolve()
    assert seen["root"] == ([venv.relative_to(ROOT).parts[0]] if venv.is_relative_to(ROOT) else [])


@pytest.mark.slow
@needs_sandbox
def test_the_host_shows_only_what_the_kernel_needs(kernel):
    # the sandbox's uid is root outside: a root-only file bound (all of /etc, say) is readable
    seen = kernel.json(
        """
        import json, os
        print(json.dumps({"root": os.listdir("/"), "etc": os.listdir("/etc"),
                          "passwd": open("/etc/passwd").read()}))
        """
    )
    assert set(seen["etc"]) <= {"ld.so.cache", "fonts", "localtime", "passwd", "group"}, seen
    assert seen["passwd"] == sandbox.PASSWD
    bound = (sys.prefix, sys.base_prefix, kernel.km.connection_file, kernel.km.ip)
    tops = {"bin", "dev", "etc", "lab3", "lib", "lib64", "proc", "tmp", "usr"}
    assert set(seen["root"]) <= tops | {Path(p).resolve().parts[1] for p in bound}, seen


@pytest.mark.slow
@needs_sandbox
def test_the_graders_environment_does_not_reach_the_kernel(kernel):
    inside = kernel.json("import json, os; print(json.dumps(dict(os.environ)))")
    assert "LAB3_DB_URL" not in inside and not any("secret" in v for v in inside.values())
    expected = {**sandbox.SANDBOX_ENV, "LAB3_INBOX": "/lab3/inbox"}
    assert {k: inside[k] for k in expected} == expected
    assert inside["LAB3_KERNEL_OUTPUT_BYTES"] == "1000"
    # the rest is set inside: PWD by bwrap's --chdir, the others by ipykernel
    set_inside = {"PWD", "TERM", "CLICOLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "PAGER", "GIT_PAGER"}
    set_inside |= {"PYDEVD_USE_FRAME_EVAL", "LAB3_KERNEL_OUTPUT_BYTES"}
    assert set(inside) - set(expected) <= set_inside, set(inside) - set(expected) - set_inside
    # nor that of the sandbox's pid 1 (bwrap itself) or of any other process inside
    environs = kernel.json(
        "import glob, json\n"
        "out = {}\n"
        "for path in glob.glob('/proc/[0-9]*/environ'):\n"
        "    try:\n"
        "        out[path] = open(path, 'rb').read().decode(errors='replace')\n"
        "    except OSError:\n"
        "        pass\n"
        "print(json.dumps(out))"
    )
    assert "/proc/1/environ" in environs
    assert not any("secret" in text or "LAB3_DB_URL" in text for text in environs.values())
    assert not any(str(kernel.folder) in text for text in environs.values())  # no course path
    cwd = kernel.json("import json, os; print(json.dumps(os.readlink('/proc/1/cwd')))")
    assert str(kernel.folder) not in cwd


@pytest.mark.slow
@needs_sandbox
def test_no_file_of_the_grader_is_open_in_the_sandbox(course, tmp_path):
    """stdout and stderr of the sandbox's processes are a private file, not the ones the
    grader passes (the pipeline's worker log is in the course: a kernel must not write it
    nor name it through /proc)."""
    log = tmp_path / "worker.log"
    with open(log, "w") as stderr:
        kernel = Kernel(course["folder"], course["package"], start={"stderr": stderr})
    try:
        kernel.execute("import os; os.write(2, b'kernel was here')")
        targets = kernel.json(
            "import glob, json, os\n"
            "out = []\n"
            "for path in glob.glob('/proc/[0-9]*/fd/*'):\n"
            "    try:\n"
            "        out.append(os.readlink(path))\n"
            "    except OSError:\n"
            "        pass\n"
            "print(json.dumps(out))"
        )
    finally:
        kernel.close()
    assert targets and not any(str(log) in t or str(tmp_path) in t for t in targets), targets
    assert "kernel was here" not in log.read_text()


@pytest.mark.slow
@needs_sandbox
def test_there_is_no_network(kernel):
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        seen = kernel.json(
            f"""
            import json, socket
            def attempt(f):
                try:
                    f()
                    return "ok"
                except OSError as err:
                    return type(err).__name__
            print(json.dumps({{
                "connect": attempt(lambda: socket.create_connection(("127.0.0.1", {port}), 2)),
                "resolve": attempt(lambda: socket.gethostbyname("example.com")),
                "hostname": socket.gethostname(),
            }}))
            """
        )
    assert seen["connect"] != "ok" and seen["resolve"] != "ok", seen
    assert seen["hostname"] == "sandbox"


@pytest.mark.slow
@needs_sandbox
def test_only_the_sandbox_processes_are_visible(kernel):
    seen = kernel.json(
        """
        import json, os
        cmds = {p: open(f"/proc/{p}/cmdline", "rb").read().replace(b"\\0", b" ").decode()
                for p in os.listdir("/proc") if p.isdigit()}
        print(json.dumps({"cmds": cmds, "uid": os.getuid(), "pid": os.getpid()}))
        """
    )
    assert sorted(seen["cmds"]) == ["1", "2"], seen  # nothing else: not the grader, not pytest
    assert seen["cmds"]["1"].startswith(sandbox.BWRAP + " ")  # the namespace's init
    assert " -m ipykernel_launcher " in seen["cmds"]["2"]
    assert seen["uid"] == sandbox.SANDBOX_UID and seen["pid"] == 2


@pytest.mark.slow
@needs_sandbox
def test_forbidden_packages_are_hidden_and_the_rest_imports(kernel):
    seen = kernel.json(
        """
        import importlib, json
        def attempt(code):
            try:
                exec(code, {})
                return "ok"
            except ImportError as err:
                return type(err).__name__
        print(json.dumps({code: attempt(code) for code in [
            "import sklearn", "from sklearn.cluster import KMeans",
            "from scipy.cluster.vq import kmeans", "import scipy.cluster",
            "import kmeans_em_lab", "import numpy, scipy.stats, scipy.special, scipy.spatial",
            "import matplotlib.pyplot as plt; plt.plot([1, 2]); plt.savefig('/tmp/p.png')",
            "import lab3_kernel; assert lab3_kernel.ANSWER == 42",
        ]}))
        """
    )
    assert seen == {
        "import sklearn": "ModuleNotFoundError",
        "from sklearn.cluster import KMeans": "ModuleNotFoundError",
        "from scipy.cluster.vq import kmeans": "ModuleNotFoundError",
        "import scipy.cluster": "ModuleNotFoundError",
        "import kmeans_em_lab": "ModuleNotFoundError",
        "import numpy, scipy.stats, scipy.special, scipy.spatial": "ok",
        "import matplotlib.pyplot as plt; plt.plot([1, 2]); plt.savefig('/tmp/p.png')": "ok",
        "import lab3_kernel; assert lab3_kernel.ANSWER == 42": "ok",
    }
    # site-packages the kernel's Python does not use (the base Python's) show empty:
    # no way round the hiding with sys.path
    unused = [s for s in site.getsitepackages([sys.base_prefix]) if s not in sys.path]
    listed = kernel.json(f"import json, os; print(json.dumps([os.listdir(f) for f in {unused!r}]))")
    assert listed == [[] for _ in unused]


@pytest.mark.slow
@needs_sandbox
def test_a_memory_bomb_raises_memory_error_and_the_kernel_survives(kernel):
    status, _, ename = kernel.execute("x = bytearray(8 * 2**30)")
    assert (status, ename) == ("error", "MemoryError")
    assert kernel.execute("print(1 + 1)")[:2] == ("ok", "2\n")


@pytest.mark.slow
@needs_sandbox
def test_a_file_past_the_size_limit_is_refused(kernel):
    status, out, ename = kernel.execute(
        """
        with open("big.bin", "wb") as f:
            f.write(b"x" * 2**20)
            print("limit reached")
            f.write(b"x")
        """
    )
    assert (status, out, ename) == ("error", "limit reached\n", "OSError")


@pytest.mark.slow
@needs_sandbox
def test_an_endless_cell_is_interrupted_and_the_kernel_goes_on(kernel):
    assert kernel.execute("marker = 42")[0] == "ok"
    status, _, ename = kernel.execute("while True: pass", interrupt_after=2)
    assert (status, ename) == ("error", "KeyboardInterrupt")
    assert kernel.execute("print(marker)")[:2] == ("ok", "42\n")


@pytest.mark.slow
@needs_sandbox
def test_a_fork_bomb_is_stopped_by_the_process_limit(course):
    # every process forks at most 7 times: at worst 128 processes, limit or not
    k = Kernel(course["folder"], course["package"], max_processes=32)
    try:
        if k.km._cgroup is None and os.geteuid() == 0:
            pytest.skip("no writable pids cgroup: as root the number of tasks is not limited")
        seen = k.json(
            """
            import json, os, time
            me, refused, forks, peak = os.getpid(), 0, 0, 0
            end = time.monotonic() + 4
            while time.monotonic() < end:
                peak = max(peak, sum(p.isdigit() for p in os.listdir("/proc")))
                if forks < 7:
                    try:
                        forks += 1
                        if os.fork() == 0:
                            continue
                    except OSError:
                        refused += 1
                time.sleep(0.05)
            if os.getpid() != me:
                os._exit(0)
            while True:
                try:
                    os.wait()
                except ChildProcessError:
                    break
            print(json.dumps({"refused": refused, "peak": peak}))
            """,
            timeout=60,
        )
        assert seen["refused"] > 0 and seen["peak"] <= 32, seen
        assert k.execute("print('alive')")[:2] == ("ok", "alive\n")
    finally:
        k.close()


@pytest.mark.slow
@needs_sandbox
@pytest.mark.parametrize("how", ["shutdown", "sigkill"])
def test_no_process_outlives_the_kernel(course, tmp_path, how):
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    k = Kernel(
        course["folder"],
        course["package"],
        extra_binds=[(str(outbox), "/lab3/outbox", True)],
    )
    scratch, cgroup = k.km._scratch, k.km._cgroup
    try:
        status, _, ename = k.execute(
            """
            import os, subprocess, time
            subprocess.Popen(["sleep", "997.5"], start_new_session=True)
            if os.fork() == 0:  # a daemon that writes into the outbox later
                os.setsid()
                if os.fork() == 0:
                    time.sleep(3)
                    open("/lab3/outbox/late.txt", "w").write("still here")
                os._exit(0)
            os.wait()
            """
        )
        assert status == "ok", ename
        assert len(sandbox_processes()) == 1
        if how == "sigkill":
            k.kill()
    finally:
        k.close()
    time.sleep(4)
    assert sandbox_processes() == []
    assert not (outbox / "late.txt").exists()
    assert not scratch.exists()
    assert cgroup is None or not cgroup.exists()


@pytest.mark.slow
@needs_sandbox
def test_nothing_written_beside_the_sockets_reaches_the_next_kernel(course):
    k = Kernel(course["folder"], course["package"])
    try:
        folder, sockets = k.ipc / "ipc", k.km._sockets
        assert sockets.parent == folder and Path(k.km.ip).parent == sockets  # its own
        status, _, ename = k.execute(f"open({str(sockets / 'planted.py')!r}, 'w').write('x')")
        assert status == "ok", ename
        assert (sockets / "planted.py").exists()
        k.run(k.km.shutdown_kernel())
        k.run(k.km.cleanup_resources())
        assert list(folder.iterdir()) == [] and k.km.ip == str(folder / "k")
    finally:
        k.close()


def test_disk_usage_counts_blocks_and_entries_and_follows_no_link(tmp_path):
    from kmeans_em_lab.pipeline.worker import usage_watch

    (tmp_path / "a.bin").write_bytes(b"x" * 2**20)
    with open(tmp_path / "sparse.bin", "wb") as f:  # 1 GiB apparent, nothing allocated
        f.truncate(2**30)
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "b.bin").write_bytes(b"y" * 2**20)
    hidden.chmod(0)  # the kernel may make a folder unreadable: it is counted all the same
    (tmp_path / "out").symlink_to("/usr")
    found = usage_watch.usage([tmp_path], max_entries=100)
    assert 2 * 2**20 <= found.bytes < 3 * 2**20 and found.entries == 5
    assert usage_watch.usage([tmp_path], max_entries=2).entries == 3  # stops past the limit


def test_the_usage_watch_calls_once_past_a_limit(tmp_path):
    from kmeans_em_lab.pipeline.worker.usage_watch import UsageWatch

    calls = []
    watch = UsageWatch([tmp_path], 2**20, 10, calls.append, interval=0.01).start()
    try:
        for n in range(3):
            (tmp_path / f"{n}.bin").write_bytes(b"x" * 2**19)
        deadline = time.monotonic() + 30
        while not calls and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        watch.stop()
    assert calls == ["more than 1 MiB written to disk"] and watch.over == calls[0]


def test_the_watch_calls_once_the_graders_memory_grows_past_its_limit(tmp_path):
    """What ZeroMQ holds of a kernel's messages before the grader reads them is in the
    grader's own process: its growth since the kernel started is the measure."""
    from kmeans_em_lab.pipeline.worker.usage_watch import UsageWatch

    calls = []
    watch = UsageWatch(
        [tmp_path], 2**30, 10_000, calls.append, interval=0.01, max_held_bytes=32 * 2**20
    ).start()
    try:
        time.sleep(0.1)
        assert calls == []  # nothing held yet
        held = b"\x01" * (96 * 2**20)  # pages written, as a received message's are
        deadline = time.monotonic() + 30
        while not calls and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        watch.stop()
    assert len(held) and calls == ["its messages took more than 32 MiB of the grader's memory"]


def without_capabilities(code: str) -> dict:
    """The JSON a Python ``code`` prints, run as this user but, for root, without
    capabilities: chmod 000 then means 000, as for any grader's user."""
    run = [sys.executable, "-c", code]
    if os.geteuid() == 0:
        run = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--", *run]
    done = subprocess.run(run, check=True, timeout=120, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def deep_tree(top: Path, levels: int = 24, name_length: int = 200) -> int:
    """Folders nested below ``top`` past PATH_MAX (made relative to each other), a 1 MiB
    file at the bottom, the bottom folder and one halfway made chmod 000; their entries."""
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    opened = [fd]
    try:
        for level in range(levels):
            name = f"{level:03d}" + "d" * (name_length - 3)
            os.mkdir(name, dir_fd=opened[-1])
            opened.append(os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=opened[-1]))
        file = os.open("bottom.bin", os.O_WRONLY | os.O_CREAT, dir_fd=opened[-1])
        os.write(file, b"x" * 2**20)
        os.close(file)
        for parent in (opened[-2], opened[levels // 2 - 1]):  # the last folder, one halfway
            os.chmod(os.listdir(parent)[0], 0, dir_fd=parent)
    finally:
        for fd in opened:
            os.close(fd)
    return levels + 1


def test_a_tree_deeper_than_path_max_is_counted_and_removed(tmp_path):
    top = tmp_path / "scratch"
    top.mkdir()
    entries = deep_tree(top)
    assert 24 * 201 > os.pathconf("/", "PC_PATH_MAX")
    code = f"""if True:
        import json, os
        from kmeans_em_lab.pipeline.worker import usage_watch, sandbox
        found = usage_watch.usage([{str(top)!r}], max_entries=100)
        left = sandbox.remove_tree({str(top)!r})
        print(json.dumps([found.bytes, found.entries, found.locked, left]))
        """
    # as a grader's user (not root), or root without the capabilities that ignore chmod 000
    size, counted, locked, left = without_capabilities(code)
    assert 2**20 <= size < 2 * 2**20 and counted == entries and locked == 0
    assert left == [] and not top.exists()


def test_a_tree_deeper_than_path_max_is_counted_by_root(tmp_path):
    # root (with its capabilities) opens chmod 000 folders as they are
    from kmeans_em_lab.pipeline.worker import usage_watch

    entries = deep_tree(tmp_path)
    found = usage_watch.usage([tmp_path], max_entries=100)
    assert 2**20 <= found.bytes < 2 * 2**20 and found.entries == entries
    assert sandbox.remove_tree(tmp_path) == [] and not tmp_path.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="makes a folder owned by another user")
def test_a_folder_that_cannot_be_opened_again_is_a_breach_and_is_reported(tmp_path, caplog):
    top = tmp_path / "scratch"
    (top / "a" / "locked").mkdir(parents=True)
    (top / "a" / "locked" / "f.bin").write_bytes(b"x")
    (top / "a" / "gone.bin").write_bytes(b"x")
    os.chown(top / "a" / "locked", 65534, 65534)  # not its to chmod any more
    (top / "a" / "locked").chmod(0)
    code = f"""if True:
        import json
        from kmeans_em_lab.pipeline.worker import sandbox
        from kmeans_em_lab.pipeline.worker.usage_watch import UsageWatch
        watch = UsageWatch([{str(top)!r}], 2**30, 100, print)
        print(json.dumps([watch.check(), sandbox.remove_tree({str(top)!r})]))
        """
    over, left = without_capabilities(code)
    assert over == "a folder it made unreadable"
    assert len(left) == 1 and left[0].startswith(str(top / "a" / "locked") + " (")
    assert not (top / "a" / "gone.bin").exists() and (top / "a" / "locked").exists()
    (top / "a" / "locked").chmod(0o700)
    with caplog.at_level("WARNING"):
        (top / "a" / "locked").chmod(0)  # root with its capabilities removes it all the same
        assert sandbox.remove_tree(top) == [] and not top.exists()
    assert caplog.records == []


def test_folders_nested_too_deep_are_a_breach(tmp_path):
    from kmeans_em_lab.pipeline.worker import usage_watch

    deep_tree(tmp_path, levels=usage_watch.MAX_DEPTH + 1, name_length=4)
    watch = usage_watch.UsageWatch([tmp_path], 2**30, 10_000, print)
    assert watch.check() == f"folders nested more than {usage_watch.MAX_DEPTH} deep"
    assert sandbox.remove_tree(tmp_path) == [] and not tmp_path.exists()


def test_a_folder_given_as_a_link_is_measured_and_only_the_link_removed(tmp_path):
    from kmeans_em_lab.pipeline.worker import usage_watch

    (tmp_path / "real" / "sub").mkdir(parents=True)
    (tmp_path / "real" / "sub" / "a.bin").write_bytes(b"x" * 2**20)
    (tmp_path / "link").symlink_to(tmp_path / "real")  # the grader's outbox, say
    found = usage_watch.usage([tmp_path / "link"], max_entries=100)
    assert 2**20 <= found.bytes < 2 * 2**20 and found.entries == 2
    assert sandbox.remove_tree(tmp_path / "link") == []
    assert not (tmp_path / "link").is_symlink() and (tmp_path / "real" / "sub" / "a.bin").exists()


def test_files_deleted_while_open_count_once_for_the_pids_given(tmp_path):
    from kmeans_em_lab.pipeline.worker import usage_watch

    code = f"""if True:
        import os, sys, time
        name = {str(tmp_path / "gone.bin")!r}
        fd = os.open(name, os.O_WRONLY | os.O_CREAT)
        os.unlink(name)
        os.write(fd, b"x" * 2 * 2**20)
        again = os.dup(fd)  # the same file twice
        print("ready", flush=True)
        time.sleep(120)
        """
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "ready\n"
        assert list(tmp_path.iterdir()) == []
        held = usage_watch.deleted_open_bytes([child.pid, child.pid, 2**22 + 1])  # one gone
        assert 2 * 2**20 <= held < 3 * 2**20
        assert usage_watch.process_tree(child) == [child.pid]
        watch = usage_watch.UsageWatch([tmp_path], 2**20, 10, print, pids=lambda: [child.pid])
        assert watch.check() == "more than 1 MiB written to disk"
        assert usage_watch.UsageWatch([tmp_path], 2**20, 10, print).check() is None
    finally:
        child.kill()
        child.wait()
    assert usage_watch.deleted_open_bytes([child.pid]) == 0


@pytest.mark.slow
@needs_sandbox
@pytest.mark.parametrize(
    "where, limits, said",
    [
        (".", {"max_disk_bytes": 8 * 2**20}, "more than 8 MiB written to disk"),
        ("/lab3/outbox", {"max_disk_bytes": 8 * 2**20}, "more than 8 MiB written to disk"),
        ("SOCKETS", {"max_disk_bytes": 8 * 2**20}, "more than 8 MiB written to disk"),
        ("UNLINKED", {"max_disk_bytes": 8 * 2**20}, "more than 8 MiB written to disk"),
        (".", {"max_disk_entries": 300}, "more than 300 files and folders made"),
    ],
)
def test_a_kernel_that_fills_a_writable_folder_is_killed(course, tmp_path, where, limits, said):
    """Each file under the size limit, many of them: the disk watch kills the kernel."""
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    k = Kernel(
        course["folder"],
        course["package"],
        max_file_size=2**20,
        extra_binds=[(str(outbox), "/lab3/outbox", True)],
        **limits,
    )
    try:
        folder = str(k.km._sockets) if where == "SOCKETS" else where
        size = 2**20 if "max_disk_bytes" in limits else 0
        cell = f"""
            import os, time
            for n in range(2000):
                with open(os.path.join({folder!r}, f"fill{{n}}.bin"), "wb") as f:
                    f.write(b"x" * {size})
                time.sleep(0.002)
            """
        if where == "UNLINKED":  # deleted at once, kept open: no file left to see
            cell = f"""
                import os, time
                held = []
                for n in range(200):
                    held.append(os.open(f"fill{{n}}.bin", os.O_WRONLY | os.O_CREAT))
                    os.unlink(f"fill{{n}}.bin")
                    os.write(held[-1], b"x" * {size})
                    time.sleep(0.002)
                time.sleep(60)
                """
        # a dead kernel never answers: watch the kernel, not the reply
        k.kc.execute(textwrap.dedent(cell))
        deadline = time.monotonic() + 60
        while k.run(k.km.is_alive()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not k.run(k.km.is_alive()), "the kernel wrote on"
        assert k.km.disk_over == said
    finally:
        k.close()


@pytest.mark.slow
@needs_sandbox
def test_the_kernel_does_not_start_past_the_copy_limit(course):
    with pytest.raises(sandbox.SandboxError, match="max_copy_bytes"):
        Kernel(course["folder"], course["package"], max_copy_bytes=5)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-v"]))


@needs_sandbox
def test_a_submitted_module_named_like_the_kernels_own_is_never_run_in_its_place(tmp_path):
    """The kernel starts as ``python -m ipykernel_launcher`` in the submission's folder:
    a submitted ``ipykernel_launcher.py`` once ran instead (and held the worker, or broke
    the handshake). The kernel starts as usual, and the folder's files are still there."""
    course = make_course(tmp_path)
    folder = course["folder"]
    (folder / "ipykernel_launcher.py").write_text("import time\ntime.sleep(100000)\n")
    (folder / "runpy.py").write_text("raise SystemExit(3)\n")
    k = Kernel(folder, course["package"])
    try:
        status, out, ename = k.execute("import os; print(sorted(os.listdir('.'))[:3])")
        assert status == "ok", ename
        assert "ipykernel_launcher.py" in out
    finally:
        k.close()

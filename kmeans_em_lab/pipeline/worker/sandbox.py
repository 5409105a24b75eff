"""The student's kernel runs in a bubblewrap sandbox: :class:`SandboxedKernelManager`.

The kernel is started as ``prlimit ... -- bwrap ... -- python -m ipykernel_launcher``.
What student code could try, and what stops it:

- read the course (hidden tests, ``gradebook.db``, other students, ``.git``) or the
  grader's secrets: the kernel sees a new, read-only root holding only ``/usr``,
  Python and the course's venv (read-only), a few files of ``/etc``, the package
  ``lab3_kernel`` (``/lab3/lib``), its connection file and its own socket folder.
  The notebook's folder is not bound but copied (no symlink followed, no
  ``*.ipynb``) into a scratch folder, ``/lab3/submission``. ``--clearenv``: the
  grader's environment does not reach the kernel (:data:`SANDBOX_ENV` and
  ``sandbox_env`` do). Outside, the sandbox's uid is the grader's user (root if
  the grader runs as root), so nothing that user may read but the kernel must
  not is bound: not all of ``/etc``, not ``$HOME``.
- leave something for the next student: the scratch folder, the socket folder
  (made per kernel in the folder of ``ip``), ``/tmp`` and ``/dev/shm`` are new
  for every kernel and removed with it.
- write anywhere else: all binds are read-only but the scratch folder, the
  socket folder, a size-capped ``/tmp`` and the caller's ``extra_binds``.
- use scikit-learn or ``scipy.cluster``: their folders in every ``site-packages``
  are covered by a package whose import raises ``ModuleNotFoundError``
  (:data:`HIDDEN_PACKAGES`), and the ``site-packages`` the kernel's Python does
  not use (the base Python's, the system's) by an empty folder. The course's own
  package is not importable (its editable install points into the course, not bound).
- the network, other processes, the host name: new network (loopback only), pid,
  IPC, UTS and cgroup namespaces; no capabilities; no further user namespaces; a
  new session (no terminal injection).
- exhaust the machine: ``prlimit`` caps address space, file size, open files and
  core dumps; tasks (processes and threads) are capped by a ``pids`` cgroup per
  kernel. RLIMIT_NPROC does not do it here: for root (the sandbox's uid maps to
  root) the kernel ignores it, and for anyone else it counts every task of the
  user, so a low value stops the sandbox from starting at all. Without a
  writable pids cgroup the limit falls back on RLIMIT_NPROC (set to the user's
  current tasks plus ``max_processes``: shared by the user's kernels, void for root).
- outlive the kernel: bwrap is pid 1 of the pid namespace and dies with its
  parent (the thread that started it: a long-lived one), so a SIGKILL of the
  kernel's process (what the pipeline sends) ends every process in the sandbox.

- fill the grader's disk: RLIMIT_FSIZE caps each file, and :mod:`.usage_watch`
  measures the writable folders (scratch, sockets, the caller's writable binds;
  walked by descriptors: long paths and chmod 000 hide nothing) and the deleted
  files the sandbox's processes hold open, from outside, and kills the kernel
  past ``max_disk_bytes`` or ``max_disk_entries``, folders nested too deep or
  a folder it made that cannot be opened (:attr:`disk_over` says why).
- fill the grader's memory with messages ZeroMQ holds before the grader reads them (one
  of many parts, or what follows a forged end of a cell): the same watch kills the kernel
  once the grader's process has grown by ``max_held_bytes`` since the kernel started.

Not defended: CPU time (the cells' time limits are), memory summed over several
processes (RLIMIT_AS is per process), attacks on the Linux kernel itself (no
seccomp filter).
Files the kernel writes into writable binds are owned by the grader's user.
Interrupts go as messages (``interrupt_mode = "message"``): a SIGINT to bwrap
would end the sandbox instead of interrupting a cell.
:func:`check_sandbox` tells whether the sandbox can start on this machine.
"""

from __future__ import annotations

import atexit
import functools
import glob
import os
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

import zmq
from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Dict, Integer, List, Unicode, default

from kmeans_em_lab.pipeline.shared.course_config import setting
from kmeans_em_lab.pipeline.worker.usage_watch import UsageWatch

BWRAP = shutil.which("bwrap") or "/usr/bin/bwrap"
PRLIMIT = shutil.which("prlimit") or "/usr/bin/prlimit"
SANDBOX_UID = 65534  # nobody
BWRAP_FLAGS = (
    "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
    "--cap-drop", "ALL", "--clearenv", "--hostname", "sandbox",
    "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
)  # fmt: skip
SYSTEM_DIRS = ("/usr", "/bin", "/lib", "/lib64")  # a symlink on the host stays a symlink
ETC_FILES = ("/etc/ld.so.cache", "/etc/fonts", "/etc/localtime")
HIDDEN_PACKAGES = ("sklearn", "scipy/cluster")  # folders relative to a site-packages
SYSTEM_SITES = ("/usr/lib/python3*/*-packages", "/usr/local/lib/python3*/*-packages")
SANDBOX_ROOT = "/lab3"
SUBMISSION = f"{SANDBOX_ROOT}/submission"  # the kernel's working directory
LIB = f"{SANDBOX_ROOT}/lib"  # on PYTHONPATH: holds lab3_kernel
KERNEL_PACKAGE = "lab3_kernel"
IPYTHON_DIR = "/tmp/ipython"
MPL_CONFIG_DIR = "/tmp/matplotlib"
SANDBOX_ENV = {
    "PATH": f"{sys.prefix}/bin:/usr/bin:/bin",
    "HOME": "/tmp",
    "LANG": "C.UTF-8",
    "PYTHONPATH": LIB,
    "PYTHONNOUSERSITE": "1",
    # the kernel starts as `python -m ipykernel_launcher` in the submission's folder: without
    # this, a submitted ipykernel_launcher.py (or runpy.py, ...) would run in its place
    "PYTHONSAFEPATH": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MPLBACKEND": "Agg",
    "MPLCONFIGDIR": MPL_CONFIG_DIR,
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    "IPYTHONDIR": IPYTHON_DIR,
}
OUTPUT_TAIL = 4096  # bytes of a kernel's own stdout/stderr kept for the grader's log
LAUNCHER_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}  # of sh, prlimit and bwrap
PASSWD = f"sandbox:x:{SANDBOX_UID}:{SANDBOX_UID}:Lab 3 sandbox:/tmp:/usr/sbin/nologin\n"
GROUP = f"sandbox:x:{SANDBOX_UID}:\n"
HIDDEN_INIT = (
    "raise ModuleNotFoundError(f'No module named {__name__!r} (not available in Lab 3)', "
    "name=__name__)\n"
)
# matplotlib's font list for sandboxed kernels, built once (see _font_cache)
FONT_CACHE_HOME = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lab3-kernel"
PREFIX = "lab3-kernel-"  # of each kernel's scratch folder and cgroup
STALE_CGROUP = 600  # seconds: an empty cgroup this old was left by a killed grader
MiB = 2**20

DEFAULT_KERNEL_PACKAGE = Path(__file__).resolve().parents[3] / KERNEL_PACKAGE


class SandboxError(RuntimeError):
    """The sandbox cannot be set up for this kernel (the kernel does not start)."""


class SandboxedKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernels start inside bubblewrap (module doc)."""

    sandbox = setting(Bool, True, "run the kernel in the sandbox; False: a plain kernel")
    address_space = setting(Integer, 4 * 2**30, "RLIMIT_AS of every sandboxed process, bytes")
    max_processes = setting(
        Integer,
        64,
        "tasks (processes and threads, the kernel has ~12) in one sandbox: "
        "pids cgroup, else RLIMIT_NPROC on top of the user's current tasks",
    )
    max_file_size = setting(Integer, 256 * MiB, "RLIMIT_FSIZE: largest file written, bytes")
    max_open_files = setting(Integer, 256, "RLIMIT_NOFILE")
    max_disk_bytes = setting(
        Integer,
        512 * MiB,
        "bytes in the kernel's writable folders (the submission's copy included); "
        "more: the kernel is killed (usage_watch)",
    )
    max_disk_entries = setting(
        Integer, 10_000, "files and folders in the kernel's writable folders; more: killed"
    )
    max_held_bytes = setting(
        Integer,
        512 * MiB,
        "bytes the grader's own process may grow by while the kernel runs (its messages "
        "held unread: one of many parts, or sent after a forged end of a cell); more: killed",
    )
    tmp_size = setting(
        Integer, 256 * MiB, "size of the sandbox's /tmp and of its /dev/shm (memory), bytes each"
    )
    max_copy_bytes = setting(
        Integer, 256 * MiB, "largest total size of the notebook folder copied into the sandbox"
    )
    pids_cgroup = setting(
        Unicode,
        "auto",
        "cgroup folder (v1 pids hierarchy, or v2 with pids in its subtree_control) "
        "where each kernel gets a child with pids.max; 'auto': this process's own cgroup "
        "if writable; '': none (RLIMIT_NPROC only)",
    )
    max_message_bytes = Integer(
        -1,
        help="bytes of one message from the kernel its client reads; a larger one drops the "
        "connection unread (-1: no limit; the executor sets it)",
    )
    extra_binds = List(
        help="(host_path, sandbox_path, writable) bound into the sandbox (set before start)"
    ).tag(config=True)
    sandbox_env = Dict(
        help="environment variables of the kernel, on top of SANDBOX_ENV (set before start)"
    ).tag(config=True)
    kernel_package = Unicode(
        help=f"host folder of the package bound read-only as {LIB}/{KERNEL_PACKAGE}"
    ).tag(config=True)
    ipython_startup = setting(
        Unicode, "", "host file bound read-only into the kernel's IPython startup folder"
    )

    _scratch: Path | None = None  # the notebook folder's copy, in a private folder of its own
    _connection_dir: Path | None = None  # without the sandbox: the connection file's folder
    _cgroup: Path | None = None
    _sockets: Path | None = None  # this kernel's own socket folder (kept across a restart)
    _ip: str | None = None  # ip as configured
    _output = None  # the sandbox's stdout and stderr: a temporary file outside the course
    _disk: UsageWatch | None = None
    disk_over: str | None = None  # why the disk watch killed the kernel, once it did

    @default("kernel_package")
    def _kernel_package_default(self) -> str:
        return str(DEFAULT_KERNEL_PACKAGE)

    def client(self, **kwargs):
        """A client whose sockets drop, unread, any message from the kernel larger than
        :attr:`max_message_bytes` (ZeroMQ's MAXMSGSIZE, set before they connect)."""
        kc = super().client(**kwargs)
        if self.max_message_bytes >= 0:
            kc.context.setsockopt(zmq.MAXMSGSIZE, self.max_message_bytes)
        return kc

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        if spec is not None and self.sandbox:
            spec.interrupt_mode = "message"
        return spec

    # -- start and cleanup ------------------------------------------------------------

    def _private_connection_file(self, folder: Path) -> None:
        """The kernel's connection file (its key and addresses) written in ``folder``, a
        private folder of the grader's: by default jupyter_client names it in /tmp with
        mkstemp, then removes it and opens the name again without O_EXCL or O_NOFOLLOW, so
        another user of the machine could put a link there between the two, and the
        grader wrote through it (the gradebook, the course secret, any file it can write)."""
        self.connection_file = str(folder / "connection.json")

    async def _async_pre_start_kernel(self, **kw):
        if not self.sandbox:
            if self._connection_dir is None:
                self._connection_dir = Path(tempfile.mkdtemp(prefix=PREFIX))
            self._private_connection_file(self._connection_dir)
            return await super()._async_pre_start_kernel(**kw)
        if self.transport != "ipc" or not os.path.isabs(self.ip):
            raise SandboxError(
                "the sandbox needs transport 'ipc' (it has no network) and, as ip, the "
                f"absolute path prefix of the socket files (ip={self.ip!r})"
            )
        if not Path(self.kernel_package, "__init__.py").is_file():
            raise SandboxError(f"no Python package at kernel_package={self.kernel_package!r}")
        self._release()  # a restart starts from a fresh copy
        if self._sockets is None:  # nothing a kernel leaves there reaches the next one
            self._ip = self.ip
            Path(self.ip).parent.mkdir(parents=True, exist_ok=True)
            self._sockets = Path(tempfile.mkdtemp(prefix="k", dir=os.path.dirname(self.ip)))
            self.ip = str(self._sockets / os.path.basename(self._ip))
        # the kernel owns the folder it works in: it may open it to everyone and leave a
        # setuid file there, which on the host is the grader's user's. The folder lives in
        # a private one (0700) that is not mounted in the sandbox: no other user of the
        # machine reaches it, whatever the kernel does to its own folder
        private = Path(tempfile.mkdtemp(prefix=PREFIX))
        scratch = private / "submission"
        scratch.mkdir(mode=0o700)
        self._scratch = scratch
        self._private_connection_file(private)  # not mounted: bound read-only on its own
        try:
            if kw.get("cwd"):  # nbclient's: the notebook's folder (without, nothing is copied)
                copy_folder(Path(kw["cwd"]), scratch, self.max_copy_bytes)
            self._cgroup = pids_cgroup(self.pids_cgroup, private.name, self.max_processes)
            if self._cgroup is None and os.geteuid() == 0:
                self.log.warning("sandbox: no writable pids cgroup, tasks are not limited")
            cmd, kw = await super()._async_pre_start_kernel(**kw)
            # bwrap stays pid 1 inside, its environment and working directory readable in
            # /proc/1: the launchers get none of the grader's environment (--clearenv only
            # cleans the kernel's) and start in the scratch folder, not in the course
            kw["env"] = dict(LAUNCHER_ENV)
            kw["cwd"] = str(scratch)
            # nor any file of the course open: not the worker's log as stdout/stderr (a
            # kernel could write to it, and name it through /proc/1/fd); a private file,
            # whose last lines go to the grader's log when the kernel is cleaned up
            self._output = tempfile.TemporaryFile(prefix=PREFIX)
            kw["stdout"] = kw["stderr"] = self._output
            self._watch_disk()
            return cmd, kw
        except BaseException:
            self._release(sockets=True)
            raise

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        try:
            await super()._async_cleanup_resources(restart=restart)
        finally:
            if self.sandbox:
                self._kill_sandbox()
                self._release(sockets=not restart)
            elif self._connection_dir is not None and not restart:
                remove_tree(self._connection_dir)
                self._connection_dir = None

    cleanup_resources = _async_cleanup_resources  # AsyncKernelManager binds the base's
    pre_start_kernel = _async_pre_start_kernel

    def _watch_disk(self) -> None:
        """Measure the folders the kernel can write, and the deleted files its processes
        hold open (:mod:`.usage_watch`), until cleanup."""
        from kmeans_em_lab.pipeline.worker.usage_watch import process_tree

        writable = [self._scratch, self._sockets]
        writable += [Path(host) for host, _, allowed in self.extra_binds if allowed]
        self.disk_over = None
        self._disk = UsageWatch(
            writable,
            self.max_disk_bytes,
            self.max_disk_entries,
            self._disk_breach,
            pids=lambda: process_tree(getattr(self.provisioner, "process", None)),
            max_held_bytes=self.max_held_bytes,
        ).start()

    def _disk_breach(self, over: str) -> None:
        """The kernel wrote past the disk limits: killed (its writes go with its folders)."""
        self.disk_over = over
        self.log.warning("Sandboxed kernel killed: %s", over)
        process = getattr(self.provisioner, "process", None)
        if process is not None:
            with suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)

    def _kill_sandbox(self) -> None:
        """A sandbox still running at cleanup is killed: its scratch folder goes next."""
        process = getattr(self.provisioner, "process", None)
        if process is not None and process.poll() is None:
            with suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
            with suppress(OSError, subprocess.TimeoutExpired):
                process.wait(timeout=5)

    def _release(self, sockets: bool = False) -> None:
        """Remove the cgroup (waits for the sandbox's last tasks), then the folders; log the
        end of what the kernel printed outside its cells."""
        if self._disk is not None:
            self._disk.stop()
            self._disk = None
        if self._output is not None:
            self._output.seek(0, os.SEEK_END)
            self._output.seek(max(0, self._output.tell() - OUTPUT_TAIL))
            tail = self._output.read().decode("utf-8", "replace").strip()
            if tail:  # each line marked as the kernel's: none reads as a line of the log's
                quoted = "\n".join(f"  | {line}" for line in tail.splitlines())
                self.log.info("Sandboxed kernel's own output (last lines):\n%s", quoted)
            self._output.close()
            self._output = None
        if self._cgroup is not None:
            remove_cgroup(self._cgroup)
            self._cgroup = None
        if self._scratch is not None:
            remove_tree(self._scratch.parent)  # its private folder (pre_start_kernel)
            self._scratch = None
        if sockets and self._sockets is not None:
            remove_tree(self._sockets)
            self._sockets, self.ip = None, self._ip

    # -- the command ------------------------------------------------------------------

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        if not self.sandbox:
            return cmd
        if self._scratch is None:
            raise SandboxError("the sandbox is prepared when the kernel starts")
        connection_file = os.path.realpath(self.connection_file)
        binds = [
            (str(self.kernel_package), f"{LIB}/{KERNEL_PACKAGE}", False),
            (str(self._scratch), SUBMISSION, True),
            (connection_file, connection_file, False),
            (str(self._sockets), str(self._sockets), True),
        ]
        if self.ipython_startup:
            name = os.path.basename(self.ipython_startup)
            startup = f"{IPYTHON_DIR}/profile_default/startup/{name}"
            binds.append((self.ipython_startup, startup, False))
        for host, inside, writable in self.extra_binds:
            if not os.path.isabs(inside):
                raise SandboxError(f"extra_binds: {inside!r} is not an absolute path")
            binds.append((str(host), str(inside), bool(writable)))
        env = {**SANDBOX_ENV, **{k: str(v) for k, v in self.sandbox_env.items()}}
        limits = self._limits()
        command = sandbox_command(
            cmd, binds=binds, env=env, chdir=SUBMISSION, limits=limits, tmp_size=self.tmp_size
        )
        if self._cgroup is not None:  # join the cgroup, then exec: no task escapes it
            join = 'echo $$ > "$0" && exec "$@"'
            command = ["/bin/sh", "-c", join, str(self._cgroup / "cgroup.procs"), *command]
        return command

    def _limits(self) -> list[str]:
        limits = [
            f"--as={self.address_space}",
            f"--fsize={self.max_file_size}",
            f"--nofile={self.max_open_files}",
            "--core=0",
        ]
        if self._cgroup is None:
            limits.append(f"--nproc={user_tasks() + self.max_processes}")
        return limits


# -- the sandbox's command line ---------------------------------------------------------


def sandbox_command(
    cmd: list[str],
    *,
    binds: Sequence[tuple[str, str, bool]] = (),
    env: dict[str, str] | None = None,
    chdir: str = "/tmp",
    limits: Sequence[str] = (),
    tmp_size: int = 256 * MiB,
    font_cache: bool = True,
) -> list[str]:
    """``prlimit LIMITS -- bwrap ... -- cmd``: ``binds`` are (host, inside, writable)."""
    args = [*BWRAP_FLAGS, "--proc", "/proc", "--dev", "/dev"]
    for tmp in ("/tmp", "/dev/shm"):  # memory: capped; first, so that no bind below is hidden
        args += ["--size", str(tmp_size), "--tmpfs", tmp]  # (a venv may live under /tmp)
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in ETC_FILES:
        args += ["--ro-bind-try", path, path]
    shared = _shared_dir()
    args += ["--ro-bind", str(shared / "passwd"), "/etc/passwd"]
    args += ["--ro-bind", str(shared / "group"), "/etc/group"]
    for prefix in sorted({sys.base_prefix, sys.prefix}):
        args += ["--ro-bind", prefix, prefix]
    for cover, folder in _covers():
        args += ["--ro-bind", str(shared / cover), folder]
    args += ["--remount-ro", "/dev", "--dir", IPYTHON_DIR, "--dir", MPL_CONFIG_DIR]
    if font_cache:
        for cache in sorted(_font_cache().glob("*.json")):
            args += ["--ro-bind", str(cache), f"{MPL_CONFIG_DIR}/{cache.name}"]
    for host, inside, writable in binds:
        args += ["--bind" if writable else "--ro-bind", host, inside]
    args += ["--remount-ro", "/", "--chdir", chdir]
    for key, value in (env or {}).items():
        args += ["--setenv", key, value]
    return [PRLIMIT, *limits, "--", BWRAP, *args, "--", *cmd]


@functools.cache
def _shared_dir() -> Path:
    """This process's files for every sandbox: /etc/passwd, /etc/group, the hiding package."""
    path = Path(tempfile.mkdtemp(prefix="lab3-sandbox-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    (path / "passwd").write_text(PASSWD)
    (path / "group").write_text(GROUP)
    (path / "hidden").mkdir()
    (path / "hidden" / "__init__.py").write_text(HIDDEN_INIT)
    (path / "empty").mkdir()
    (path / "matplotlib").mkdir()
    return path


@functools.cache
def _covers() -> tuple[tuple[str, str], ...]:
    """(cover, folder): a site-packages this Python does not use (the base Python's, from
    a venv) is covered by an empty folder; in the others, :data:`HIDDEN_PACKAGES` by
    the package that refuses to be imported."""
    sites = set(site.getsitepackages([sys.prefix, sys.base_prefix]))
    for pattern in SYSTEM_SITES:
        sites.update(glob.glob(pattern))
    used = {os.path.realpath(p) for p in sys.path}
    covers = []
    for folder in sorted(s for s in sites if os.path.isdir(s)):
        if os.path.realpath(folder) not in used:
            covers.append(("empty", folder))
        else:
            found = (os.path.join(folder, p) for p in HIDDEN_PACKAGES)
            covers += [("hidden", f) for f in found if os.path.isdir(f)]
    return tuple(covers)


@functools.cache
def _font_cache() -> Path:
    """matplotlib's font list, built once in a sandbox, then bound read-only into each kernel.

    Without it every kernel rebuilds it at its first ``import matplotlib.pyplot`` (~1 s);
    built inside, its paths are the fonts the sandbox sees. Kept in
    :data:`FONT_CACHE_HOME` per matplotlib version and Python (a grading run of one
    submission would otherwise pay for it every time); built in a private folder and
    renamed into place, so workers starting together never read a half-written one.
    """
    import hashlib
    from importlib.metadata import version

    python = hashlib.sha256(sys.prefix.encode()).hexdigest()[:12]
    key = f"matplotlib-{version('matplotlib')}-{python}"
    folder = FONT_CACHE_HOME / key
    if any(folder.glob("fontlist-*.json")):
        return folder
    FONT_CACHE_HOME.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f"{key}.", dir=FONT_CACHE_HOME))
    cmd = [sys.executable, "-c", "import matplotlib.font_manager"]
    binds = [(str(building), MPL_CONFIG_DIR, True)]
    env = {**SANDBOX_ENV, "PYTHONPATH": ""}
    with suppress(OSError, subprocess.SubprocessError):
        command = sandbox_command(cmd, binds=binds, env=env, font_cache=False)
        subprocess.run(command, capture_output=True, timeout=120, check=False)
    try:
        building.rename(folder)
    except OSError:  # another worker was first: use its cache
        shutil.rmtree(building, ignore_errors=True)
    return folder


# -- the notebook folder's copy -------------------------------------------------------------


def copy_folder(source: Path, target: Path, limit: int) -> int:
    """Copy ``source``'s regular files and folders (no symlink, no ``*.ipynb``); bytes copied.

    Raises :class:`SandboxError` past ``limit`` bytes.
    """
    used = 0
    with os.scandir(source) as entries:
        for entry in entries:
            path = target / entry.name
            if entry.is_symlink():
                continue
            if entry.is_dir(follow_symlinks=False):
                path.mkdir()
                used += copy_folder(Path(entry.path), path, limit - used)
            elif entry.is_file(follow_symlinks=False) and not entry.name.endswith(".ipynb"):
                used += entry.stat(follow_symlinks=False).st_size
                if used > limit:
                    raise SandboxError(
                        f"the notebook's folder {source} holds more than {limit} bytes "
                        "(max_copy_bytes): not copied into the sandbox"
                    )
                shutil.copyfile(entry.path, path, follow_symlinks=False)
    return used


def remove_tree(path: str | Path) -> list[str]:
    """Remove ``path`` even if the student made folders unreadable (chmod 000) or nested
    them past ``PATH_MAX``; never follows a link. Returns what could not be removed
    (logged as a warning): :func:`.usage_watch.remove_folder`."""
    from kmeans_em_lab.pipeline.worker.usage_watch import remove_folder

    return remove_folder(path)


# -- the process limit ------------------------------------------------------------------------


def pids_cgroup(setting: str, name: str, max_tasks: int) -> Path | None:
    """A new cgroup ``name`` with ``pids.max = max_tasks``, or None if none can be made.

    Empty cgroups of killed graders are removed on the way (a cgroup with tasks
    cannot be; a new one is spared for :data:`STALE_CGROUP` seconds, until it is joined).
    """
    for parent in _cgroup_parents(setting):
        for stale in Path(parent).glob(PREFIX + "*"):
            with suppress(OSError):
                if stale.stat().st_mtime < time.time() - STALE_CGROUP:
                    stale.rmdir()
        group = Path(parent) / name
        try:
            group.mkdir()
        except OSError:
            continue
        try:
            (group / "pids.max").write_text(str(max_tasks))
            return group
        except OSError:
            remove_cgroup(group)
    return None


def _cgroup_parents(setting: str) -> list[str]:
    if setting != "auto":
        return [setting] if setting else []
    parents = []
    with suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            hierarchy, controllers, path = line.split(":", 2)
            if "pids" in controllers.split(","):
                parents.append(f"/sys/fs/cgroup/pids{path}")
            elif hierarchy == "0":
                v2 = f"/sys/fs/cgroup{path}".rstrip("/")
                with suppress(OSError):
                    if "pids" in Path(v2, "cgroup.subtree_control").read_text().split():
                        parents.append(v2)
    return [p for p in parents if os.access(p, os.W_OK)]


def remove_cgroup(group: Path, wait: float = 2.0) -> None:
    """Remove an (emptying) cgroup; its last tasks may take a moment to go."""
    deadline = time.monotonic() + wait
    while True:
        try:
            group.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > deadline:
                return
            time.sleep(0.02)


def user_tasks() -> int:
    """Tasks (threads) of this process's user now: what RLIMIT_NPROC counts."""
    uid, count = os.getuid(), 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            with suppress(OSError):
                if os.stat(f"/proc/{pid}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{pid}/task"))
    return count


# -- can the sandbox start here? ------------------------------------------------------------

NO_BWRAP = (
    "bubblewrap is not installed ({path} not found): install it "
    "(Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap)"
)
NO_PRLIMIT = "prlimit is not installed ({path} not found): it comes with util-linux"
NO_USERNS = (
    "the sandbox does not start: {error}\n"
    "bubblewrap needs unprivileged user namespaces. Check the sysctls "
    "kernel.unprivileged_userns_clone (Debian, must be 1), user.max_user_namespaces "
    "(must be > 0) and, on Ubuntu 24.04+, kernel.apparmor_restrict_unprivileged_userns "
    "(0, or an AppArmor profile for bwrap)."
)
NO_SANDBOX = (
    "\nWithout it, `--no-sandbox` grades with the students' code unconfined: "
    "only do that if you trust it."
)


@functools.cache
def check_sandbox() -> str | None:
    """None if a sandbox like the kernel's starts here, else what is wrong and the fix."""
    for path, message in ((BWRAP, NO_BWRAP), (PRLIMIT, NO_PRLIMIT)):
        if not os.access(path, os.X_OK):
            return message.format(path=path) + NO_SANDBOX
    limits = SandboxedKernelManager(pids_cgroup="")._limits()
    command = sandbox_command(
        [sys.executable, "-c", "pass"], env=SANDBOX_ENV, limits=limits, font_cache=False
    )
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as err:
        return NO_USERNS.format(error=err) + NO_SANDBOX
    if done.returncode != 0:
        error = done.stderr.strip() or f"exit code {done.returncode}"
        return NO_USERNS.format(error=error) + NO_SANDBOX
    return None

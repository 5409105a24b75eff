"""A throw-away PostgreSQL server for the tests and the simulation: ``initdb`` and
``pg_ctl`` on a unix socket in a temporary folder, no TCP port, stopped and removed after."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path


def server_binary(name: str) -> str | None:
    """``initdb`` or ``pg_ctl`` on the PATH, else the newest Debian install's."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


def unavailable() -> str | None:
    """Why no server can be started here, or None."""
    if not (server_binary("initdb") and server_binary("pg_ctl")):
        return "PostgreSQL server binaries not installed (Debian: apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server"
    return None


class Postgres:
    """A server started on construction (:func:`unavailable` says why it cannot be; a
    failed start raises ``subprocess.CalledProcessError`` and leaves nothing behind)."""

    def __init__(self):
        self.initdb, self.pg_ctl = server_binary("initdb"), server_binary("pg_ctl")
        if not (self.initdb and self.pg_ctl):
            raise RuntimeError(unavailable())
        self.run_as: list[str] = []
        self.base = Path(tempfile.mkdtemp(prefix="lab3pg-", dir="/tmp"))  # short: socket paths
        if os.geteuid() == 0:  # the server refuses to run as root
            user = pwd.getpwnam("postgres")
            os.chown(self.base, user.pw_uid, user.pw_gid)
            self.run_as = ["runuser", "-u", "postgres", "--"]
        self.data = self.base / "data"
        try:
            subprocess.run(
                [*self.run_as, self.initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres",
                 "--no-sync"],
                check=True, capture_output=True,
            )  # fmt: skip
            subprocess.run(
                [*self.run_as, self.pg_ctl, "-D", str(self.data), "-l",
                 str(self.base / "server.log"), "-w", "-o",
                 f"-k {self.base} -c listen_addresses=''", "start"],
                check=True, capture_output=True,
            )  # fmt: skip
        except BaseException:
            shutil.rmtree(self.base, ignore_errors=True)
            raise

    def _sql(self, statement: str) -> None:
        import psycopg2

        conn = psycopg2.connect(host=str(self.base), user="postgres", dbname="postgres")
        conn.autocommit = True
        conn.cursor().execute(statement)
        conn.close()

    def database(self, name: str) -> str:
        """A new, empty database ``name`` (an earlier one dropped): its SQLAlchemy URL."""
        self._sql(f"DROP DATABASE IF EXISTS {name}")
        self._sql(f"CREATE DATABASE {name}")
        return f"postgresql+psycopg2://postgres@/{name}?host={self.base}"

    def drop(self, name: str) -> None:
        self._sql(f"DROP DATABASE IF EXISTS {name}")

    def stop(self) -> None:
        subprocess.run(
            [*self.run_as, self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
        )
        shutil.rmtree(self.base, ignore_errors=True)

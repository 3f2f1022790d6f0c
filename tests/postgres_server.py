"""A real PostgreSQL server for the tests, started by the tests themselves: ``initdb`` in a
temporary directory, ``pg_ctl start`` on a free port on 127.0.0.1 (its unix socket in the same
directory, so it never touches a system cluster), stopped and removed at the end.

PostgreSQL refuses to run as root; when the tests run as root (as in a CI container) the
server runs as the ``postgres`` system user that Debian's package creates.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    def __init__(self):
        self.bindir = _bindir()
        self.root = Path(tempfile.mkdtemp(prefix="pipeline-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.user = None
        if os.getuid() == 0:
            self.user = "postgres"
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._names = itertools.count(1)

    def _run(self, *command: str) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        result = subprocess.run(prefix + list(command), capture_output=True, text=True, timeout=120, cwd=self.root)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def start(self) -> "PostgresServer":
        # C locale: text compares bytewise, as in SQLite (the schema says COLLATE "C" anyway).
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")
        return self

    def stop_server(self) -> None:
        """Stop the server but keep its files (a test of a database that went away)."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        self.stopped = True

    def stop(self) -> None:
        try:
            if not getattr(self, "stopped", False):
                self.stop_server()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres", user: str = "postgres") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def new_database(self, stem: str = "t") -> str:
        """A fresh empty database; its URL."""
        import psycopg

        name = f"{stem}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

"""A throwaway PostgreSQL server for the tests and benchmarks: Debian's ``postgresql`` package,
``initdb`` and ``pg_ctl`` run as the ``postgres`` user (the server refuses to run as root) on a
free loopback port, trust authentication on loopback only, deleted when stopped."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def server_bin() -> Path | None:
    """The newest installed server's bin folder (``/usr/lib/postgresql/<N>/bin``), or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0
    )
    return Path(found[-1]).parent if found else None


def why_missing() -> str | None:
    """Why no cluster can be started here (None: it can)."""
    if server_bin() is None:
        return "PostgreSQL is not installed (apt-get install -y postgresql)"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "there is no postgres user to run the server as"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    folder: Path
    port: int
    bin: Path

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _as_postgres(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        command = list(argv)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)

    def create_database(self, name: str) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def start() -> Cluster:
    """initdb + pg_ctl start on a free port; raises RuntimeError with the server's words on failure."""
    bin_dir = server_bin()
    if bin_dir is None:
        raise RuntimeError(why_missing() or "PostgreSQL is missing")
    folder = Path(tempfile.mkdtemp(prefix="council-pg-"))
    os.chmod(folder, 0o755)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = Cluster(folder, _free_port(), bin_dir)
    data = folder / "data"
    done = cluster._as_postgres(
        str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", check=False
    )
    if done.returncode:
        raise RuntimeError(f"initdb failed: {done.stderr.strip()[-500:]}")
    options = f"-p {cluster.port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off -c max_connections=200"
    done = cluster._as_postgres(
        str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start", check=False
    )
    if done.returncode:
        log = (folder / "log").read_text(errors="replace")[-800:] if (folder / "log").exists() else done.stderr
        raise RuntimeError(f"the PostgreSQL server did not start: {log.strip()}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", cluster.port), timeout=1).close()
            return cluster
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the PostgreSQL server did not open its port within 30 s")

"""Services of a test's own, for fault tests to kill, stop and restart: a
redis-server and a PostgreSQL cluster in a temporary directory, on free ports.

The machine's shared Redis and PostgreSQL are never touched.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import redis

STARTUP_SECONDS = 30


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, what, timeout=STARTUP_SECONDS):
    """Call *check* until it returns true; fail after *timeout* seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come up within {timeout} s")
        time.sleep(0.1)


class OwnRedis:
    """A redis-server of the test's own, keeping nothing on disk."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_for(self.answers, "redis-server")

    def answers(self):
        try:
            return redis.Redis.from_url(self.url, socket_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def keys(self):
        """The number of keys it holds."""
        return redis.Redis.from_url(self.url, socket_timeout=2).dbsize()

    def kill(self):
        self.process.kill()
        self.process.wait()

    def pause(self):
        """Stop the process (SIGSTOP): it holds its connections and answers nothing."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.resume()
            self.kill()


class OwnPostgres:
    """A PostgreSQL cluster of the test's own, made with initdb and run by pg_ctl.

    PostgreSQL refuses to run as root, so as root the cluster belongs to the
    ``postgres`` user, as the machine's own does.
    """

    def __init__(self):
        # Not under pytest's directory, which only root may enter.
        self.directory = Path(tempfile.mkdtemp(prefix="briefing-postgres-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/briefing"
        self.bin = postgres_bin()

    def run(self, *command):
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        result = subprocess.run(
            [*as_postgres, *command], capture_output=True, text=True, timeout=120, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited {result.returncode}: {result.stderr}")

    def create(self):
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
        self.run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self.start()
        with psycopg.connect(self.server_url("postgres"), autocommit=True) as connection:
            connection.execute("CREATE DATABASE briefing")

    def server_url(self, database):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self):
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = self.directory / "postgres.log"
        pg_ctl = str(self.bin / "pg_ctl")
        self.run(pg_ctl, "-D", str(self.data), "-o", options, "-l", str(log), "-w", "start")

    def stop(self, mode="fast"):
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def pause(self):
        """Stop every process of the cluster (SIGSTOP), the postmaster first so that it
        starts no more: connections stay open, and nothing answers on them."""
        for pid in self.processes():
            os.kill(pid, signal.SIGSTOP)

    def resume(self):
        for pid in reversed(self.processes()):
            os.kill(pid, signal.SIGCONT)

    def processes(self):
        """The postmaster's process id, then those of its children."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        return [postmaster, *children(postmaster)]

    def crash(self):
        """Stop at once, without a clean shutdown (crash recovery runs on restart)."""
        self.stop("immediate")

    def remove(self):
        with contextlib.suppress(RuntimeError):
            self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


def children(parent):
    """The ids of the processes whose parent is *parent*, read from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # The parent's id follows the command's name, which may hold spaces.
            if int(stat.read_text().rpartition(")")[2].split()[1]) == parent:
                found.append(int(stat.parent.name))
    return found


def postgres_bin():
    """The directory of the installed PostgreSQL's server programs (initdb, pg_ctl)."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    if found is None:
        raise FileNotFoundError("initdb: PostgreSQL's server programs are not installed")
    return Path(found).parent


@contextlib.contextmanager
def own_redis(directory):
    service = OwnRedis(directory)
    service.start()
    try:
        yield service
    finally:
        service.stop()


@contextlib.contextmanager
def own_postgres():
    service = OwnPostgres()
    service.create()
    try:
        yield service
    finally:
        service.remove()

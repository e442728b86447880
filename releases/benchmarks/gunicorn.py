"""gunicorn started as production runs it, for the serving benchmark and the tests."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
GUNICORN_CONFIG = BASE_DIR / "briefing" / "gunicorn.conf.py"


class ServerFailed(RuntimeError):
    """gunicorn did not start serving; the message holds the end of its log."""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(database_url, **extra):
    """The environment of a child process using *database_url*, as production runs."""
    env = {**os.environ, "DATABASE_URL": database_url, **extra}
    env.setdefault("DJANGO_SETTINGS_MODULE", "briefing.settings")
    env.pop("DJANGO_DEBUG", None)
    return env


def stop(process, timeout=10):
    """Terminate *process*, then kill it if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


def tail(path, lines=60):
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        return f"<could not read {path}: {error}>"
    return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def running_gunicorn(database_url, log_path, **environment):
    """Run gunicorn with the production configuration on a free port, serving
    *database_url* and logging to *log_path*; yield its base URL, and stop it after."""
    with gunicorn_process(database_url, log_path, **environment) as (base, _):
        yield base


@contextlib.contextmanager
def gunicorn_process(database_url, log_path, **environment):
    """As running_gunicorn, yielding (base URL, the gunicorn master's Popen)."""
    if not (BASE_DIR / "staticfiles" / "staticfiles.json").exists():
        raise ServerFailed("static files are not collected: run make setup first")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn)] if gunicorn.exists() else [sys.executable, "-m", "gunicorn"]
    port = free_port()
    with Path(log_path).open("wb") as output:
        arguments = [
            "briefing.wsgi",
            "--config",
            str(GUNICORN_CONFIG),
            "--bind",
            f"127.0.0.1:{port}",
        ]
        process = subprocess.Popen(
            [*command, *arguments],
            cwd=BASE_DIR,
            env=child_env(database_url, DJANGO_ALLOWED_HOSTS="127.0.0.1", **environment),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, base, log_path)
        yield base, process
    finally:
        stop(process)  # SIGTERM: gunicorn's graceful shutdown


def wait_until_serving(process, base, log_path, timeout=20):
    deadline = time.monotonic() + timeout
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while True:
        if process.poll() is not None:
            raise ServerFailed(f"gunicorn exited {process.returncode}:\n{tail(log_path)}")
        try:
            with opener.open(f"{base}/health/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise ServerFailed(f"gunicorn did not answer within {timeout} s:\n{tail(log_path)}")
        time.sleep(0.1)


def worker_pids(master_pid):
    """Return the process ids of the gunicorn master *master_pid*'s workers."""
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[1]) == master_pid:
            workers.append(int(stat.parent.name))
    return workers


def private_memory_mb(pid):
    """Return the private memory (USS) of the process *pid* in MB: the pages no other
    process maps, Private_Clean + Private_Dirty of /proc/<pid>/smaps_rollup."""
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    kilobytes = sum(
        int(line.split()[1])
        for line in text.splitlines()
        if line.startswith(("Private_Clean:", "Private_Dirty:"))
    )
    return kilobytes / 1024

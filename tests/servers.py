"""Real servers for the tests: gunicorn as production runs it, manage.py in its own
process, fresh PostgreSQL databases, and plain HTTP requests to them."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
MANAGE = BASE_DIR / "manage.py"
READER_TIMEOUT = 10  # seconds; above SQLite's 5 s busy timeout, so a lock shows as a 500
POSTGRES_SERVER = os.environ.get("BRIEFING_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report a redirect as the response it is, rather than following it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# No proxy from the environment: the server is on this machine.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())


def fetch(url, timeout=READER_TIMEOUT):
    """Return (status, body text) of a GET of *url*; HTTP errors are returned, not raised."""
    try:
        with OPENER.open(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode("utf-8", "replace")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path, lines=60):
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        return f"<could not read {path}: {error}>"
    return "\n".join(text.splitlines()[-lines:])


def child_env(database_url, **extra):
    """The environment of a child process using *database_url*, as production runs."""
    env = {**os.environ, "DATABASE_URL": database_url, **extra}
    env.setdefault("DJANGO_SETTINGS_MODULE", "briefing.settings")
    env.pop("DJANGO_DEBUG", None)  # served as production serves it
    return env


def manage(database_url, *args, timeout=120, **environment):
    """Run manage.py *args* against *database_url*; fail the test unless it exits 0."""
    result = subprocess.run(
        [sys.executable, str(MANAGE), *map(str, args)],
        cwd=BASE_DIR,
        env=child_env(database_url, **environment),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"manage.py {' '.join(map(str, args))} exited {result.returncode}\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    return result.stdout


def stop(process, timeout=10):
    """Terminate *process* (started by this test), then kill it if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


@contextlib.contextmanager
def running_gunicorn(database_url, log_directory, name="gunicorn", **environment):
    """Run gunicorn with the production configuration on a free port, serving
    *database_url*; yield (base URL, log path), and stop it on the way out."""
    manifest = BASE_DIR / "staticfiles" / "staticfiles.json"
    assert manifest.exists(), (
        f"{manifest} is missing: production serves collected static files, "
        "run manage.py collectstatic (make setup) first"
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn)] if gunicorn.exists() else [sys.executable, "-m", "gunicorn"]
    port = free_port()
    log = Path(log_directory, f"{name}.log")
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                *command,
                "briefing.wsgi",
                "--config",
                str(BASE_DIR / "briefing" / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{port}",
            ],
            cwd=BASE_DIR,
            env=child_env(database_url, DJANGO_ALLOWED_HOSTS="127.0.0.1", **environment),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, base, log)
        yield base, log
    finally:
        stop(process)  # SIGTERM: gunicorn's graceful shutdown


def wait_until_serving(process, base, log, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, (
            f"gunicorn exited {process.returncode} while starting:\n{tail(log)}"
        )
        try:
            status, _ = fetch(f"{base}/briefing-room/", timeout=2)
            if status == 200:
                return
        except OSError:
            status = None
        assert time.monotonic() < deadline, (
            f"gunicorn did not answer 200 within {timeout} s (last status {status}):\n{tail(log)}"
        )
        time.sleep(0.1)


@contextlib.contextmanager
def fresh_postgres_database(name, server_url=POSTGRES_SERVER):
    """Create the PostgreSQL database *name* (dropping any left over); yield its URL; drop it."""
    import psycopg

    parts = urlsplit(server_url)
    server = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    with psycopg.connect(server + "/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(server + "/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

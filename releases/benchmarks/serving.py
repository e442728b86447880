"""Measure pages served by gunicorn as in production, against a bare view on the same server.

Used by ``manage.py benchmark_serving`` (``make bench-serving``). Debian's
``wrk`` drives each address on loopback for a fixed time; every page's rate
is also given as a ratio to the bare view measured in the same run, since
these machines are shared and their speed drifts.
"""

import dataclasses
import http.cookiejar
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg

from releases.benchmarks import searching

WRK = "wrk"
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
DEEP_PAGE = 2_000
PER_PAGE = 20


class LoadGeneratorMissing(RuntimeError):
    """wrk is not installed."""


@dataclasses.dataclass
class Load:
    """What wrk measured at one address."""

    rate: float  # requests per second
    p50: float  # milliseconds
    p99: float
    errors: int  # non-2xx/3xx responses and socket errors


def pages(base, count):
    """Return [(label, path, headers)] of the pages to measure, found on the running site."""
    html, _ = fetch(f"{base}/briefing-room/")
    detail = re.search(r'href="(/briefing-room/[a-z-]+/\d{4}/\d\d/\d\d/[^"/]+/)"', html)[1]
    stylesheet = re.search(r'href="(/static/releases/briefing\.[^"]+\.css)"', html)[1]
    speakers, _ = fetch(f"{base}/briefing-room/speakers/")
    speaker = re.search(r'href="(/briefing-room/speakers/[a-z0-9-]+/)"', speakers)[1]
    deep = max(1, min(DEEP_PAGE, count // PER_PAGE))
    feed = "/briefing-room/?format=atom"
    measured = [
        ("bare view", "/health/"),
        ("list", "/briefing-room/"),
        ("filtered list", "/briefing-room/?category=press-briefings&date_after=2015-01-01"),
        (f"deep page ({deep:,})", f"/briefing-room/?page={deep}"),
        ("search", "/briefing-room/?q=climate"),
        ("detail", detail),
        ("speaker page", speaker),
        ("feed", feed),
        ("stylesheet", stylesheet),
    ]
    measured = [(label, path, {}) for label, path in measured]
    # Feed readers ask again with the ETag they hold, and mostly get a 304.
    _, etag = fetch(base + feed)
    if etag:
        measured.insert(-1, ("feed, revalidated (304)", feed, {"If-None-Match": etag}))
    return measured


def search_paths():
    """Return the list page's address for each search of the search benchmark
    but the deep page, which a small archive lacks."""
    return [
        "/briefing-room/?" + urllib.parse.urlencode(params)
        for _, params in searching.SEARCHES
        if "page" not in params
    ]


def reader_mix(base):
    """Return the paths of a mix of what readers ask for: lists, a search and release pages."""
    html, _ = fetch(f"{base}/briefing-room/")
    releases = re.findall(r'href="(/briefing-room/[a-z-]+/\d{4}/\d\d/\d\d/[^"/]+/)"', html)
    lists = [
        "/briefing-room/",
        "/briefing-room/press-briefings/",
        "/briefing-room/?category=statements-releases&date_after=2015-01-01",
        "/briefing-room/?q=climate",
        "/briefing-room/?q=community&sort=newest",
    ]
    return lists + releases[:5]


MIX_SCRIPT = """
local paths = {%s}
local next_path = 0
request = function()
  next_path = next_path %% #paths + 1
  return wrk.format("GET", paths[next_path])
end
"""


def drive_mix(base, paths, seconds, connections, directory):
    """Run wrk over *paths* in turn at *base*, as drive() does one address; return its Load."""
    script = Path(directory, "mix.lua")
    script.write_text(MIX_SCRIPT % ", ".join(f'"{path}"' for path in paths), encoding="utf-8")
    return drive(base, seconds, connections, script=script)


# A process that takes a whole core and does nothing else: what any busy
# neighbour costs the readers, to compare the import and the editor with.
BUSY_LOOP = "while True: pass"

# Run by manage.py shell: save the newest release every second, as an editor
# would (the model's save, in a transaction as the admin's: its signals, its
# revision, and on commit the server's search index caught up), for the
# window; print how many saves it made.
EDITOR = """
import time
from django.db import transaction
from releases.models import Release
release = Release.objects.published().first()
title = release.title
saves = 0
started = time.monotonic()
while time.monotonic() < started + {seconds}:
    saves += 1
    release.title = f"{{title}} (saved {{saves}} times)"
    with transaction.atomic():
        release.save()
    time.sleep(max(0.0, started + saves - time.monotonic()))
release.title = title
with transaction.atomic():
    release.save()
print(saves)
"""


def editor(seconds):
    """Return the code of an editor saving a release every second for *seconds*."""
    return EDITOR.format(seconds=seconds)


def mix_beside(command, environment, base, paths, seconds, connections, directory):
    """Run drive_mix while *command* (or nothing, if None) runs in *environment*;
    return (its Load, a note on how the command went).

    A command still running when the load ends is waited for, or stopped if it
    never ends by itself (the busy loop). The note gives the cores it kept busy,
    on average from its start to its end: what it took from the readers.
    """
    if command is None:
        return drive_mix(base, paths, seconds, connections, directory), ""
    started = time.monotonic()
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, text=True)
    try:
        load = drive_mix(base, paths, seconds, connections, directory)
        running = process.poll() is None
        # wrk is reaped by now: what the children use from here on is the command's.
        before = children_cpu_seconds()
    finally:
        if command[-1] == BUSY_LOOP:
            process.terminate()
        output, _ = process.communicate()
    cores = (children_cpu_seconds() - before) / (time.monotonic() - started)
    note = f"  ({cores:.2f} cores"
    if process.returncode not in (0, -signal.SIGTERM):
        return load, f"{note}; it failed: exit status {process.returncode})"
    if output.strip().isdecimal():
        return load, f"{note}; {int(output)} saves)"
    if command[-1] == BUSY_LOOP or running:
        return load, f"{note})"
    return load, f"{note}; it ended before the load did)"


class DatabaseServerCpu:
    """The CPU time of the PostgreSQL server processes working for one database
    (its connections' backends and autovacuum), sampled in a thread while a load
    runs: an import's writes are done there, at the server's priority, not the
    import's. The server's shared processes (WAL writer, checkpointer) are not
    counted; they work for every database at once. The server must run on this
    machine: its processes are read in /proc.
    """

    SAMPLE_SECONDS = 0.25
    TICKS = os.sysconf("SC_CLK_TCK")

    def __init__(self, database_url):
        self.database_url = database_url
        self.first, self.last = {}, {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def __enter__(self):
        self.started = time.monotonic()
        self.thread.start()
        return self

    def __exit__(self, *exception):
        self.stopping.set()
        self.thread.join()
        self.seconds = time.monotonic() - self.started

    @property
    def cores(self):
        """The cores the database's server processes kept busy, on average."""
        ticks = sum(self.last[pid] - self.first[pid] for pid in self.last)
        return ticks / self.TICKS / self.seconds

    def sample(self):
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            first_round = True
            while True:
                rows = connection.execute(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchall()
                for (pid,) in rows:
                    ticks = cpu_ticks(pid)
                    if ticks is None:
                        continue
                    # A process that began since the first round began at no CPU time.
                    self.first.setdefault(pid, ticks if first_round else 0)
                    self.last[pid] = ticks
                first_round = False
                if self.stopping.wait(self.SAMPLE_SECONDS):
                    return


def cpu_ticks(pid):
    """Return the CPU time (user and system) of process *pid* in clock ticks; None if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # Fields 14 and 15 of proc(5), counted after the command's closing parenthesis.
    return int(fields[11]) + int(fields[12])


def children_cpu_seconds():
    """Return the CPU time, user and system, of this process's children reaped so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# gunicorn's access log line ends with the request's time in the worker:
# briefing/gunicorn.conf.py.
ACCESS_TIME = re.compile(rb" (\d+)ms$", re.M)
# A page served from a kept copy takes a few milliseconds in the worker; one
# rendered, tens of milliseconds.
RENDER_MS = 20


def slow_requests(log, offset):
    """Return (how many, their milliseconds in all) of the requests logged in *log*
    after *offset* (bytes) that took a worker RENDER_MS or more: mostly renders."""
    with open(log, "rb") as lines:
        lines.seek(offset)
        times = [int(ms) for ms in ACCESS_TIME.findall(lines.read())]
    slow = [ms for ms in times if ms >= RENDER_MS]
    return len(slow), sum(slow)


def changed_copies(archive, directory, count, sentence="Updated."):
    """Write the first *count* files of *archive* under *directory* with *sentence* added
    to each body: files an import finds changed. Return the directory."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for number, path in enumerate(sorted(Path(archive).rglob("*.md"))[:count]):
        text = path.read_text(encoding="utf-8")
        Path(directory, f"{number}.md").write_text(f"{text}\n{sentence}\n", encoding="utf-8")
    return directory


def fetch(url):
    """Return (body, ETag or None) of a GET of *url*."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=60) as response:
        return response.read().decode(), response.headers.get("ETag")


def drive(url, seconds, connections, headers=None, script=None):
    """Run wrk at *url* for *seconds* with *connections*, sending *headers* (or requests
    made by the Lua *script*); return its Load."""
    if shutil.which(WRK) is None:
        raise LoadGeneratorMissing("wrk is not installed (apt-get install wrk)")
    threads = min(2, connections)
    # A generous timeout: a slow page is measured as slow, not dropped as an error.
    command = [
        *(WRK, "--latency", "--timeout", "30s"),
        *(f"-t{threads}", f"-c{connections}", f"-d{seconds}s", url),
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


def parse_wrk(output):
    """Return the Load in wrk's report *output*."""
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    latency = {
        percent: float(value) * UNITS[unit]
        for percent, value, unit in re.findall(
            r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M
        )
    }
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    nothing = float("nan")  # no request finished
    return Load(rate, latency.get("50", nothing), latency.get("99", nothing), errors)


class StaffSession:
    """A signed-in staff member's requests to one server, timed."""

    def __init__(self, base, username, password):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
        )
        login = self.get("/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login)[1]
        data = {"username": username, "password": password, "csrfmiddlewaretoken": token}
        request = urllib.request.Request(
            f"{base}/admin/login/?next=/admin/",
            urllib.parse.urlencode(data).encode(),
            headers={"Referer": base},
        )
        with self.opener.open(request, timeout=30) as response:
            if "/admin/login/" in response.url:
                raise RuntimeError("the benchmark's staff member could not sign in")

    def get(self, path):
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read().decode()

    def median_ms(self, path, repeats):
        """Return the median time of *repeats* requests for *path*, after one to warm up."""
        self.get(path)
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            self.get(path)
            timings.append((time.perf_counter() - started) * 1000)
        return statistics.median(timings)


def admin_pages(release_pk, category_pk):
    return [
        ("release list", "/admin/releases/release/"),
        ("search", "/admin/releases/release/?q=climate"),
        (
            "filters",
            f"/admin/releases/release/?status__exact=published&category__id__exact={category_pk}",
        ),
        ("edit page", f"/admin/releases/release/{release_pk}/change/"),
    ]

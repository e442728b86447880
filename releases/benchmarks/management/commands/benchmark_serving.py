"""Benchmark pages served by gunicorn on a generated archive, on SQLite and PostgreSQL.

python manage.py benchmark_serving --count 100000
"""

import contextlib
import functools
import os
import subprocess
import sys
import uuid
from pathlib import Path

import redis
from django.core.management.base import CommandError

from releases.benchmarks import gunicorn as serving
from releases.benchmarks import importing as benchmarking
from releases.benchmarks import serving as serving_benchmark

REDIS_URL = os.environ.get("BRIEFING_BENCHMARK_REDIS", "redis://127.0.0.1:6379/13")
STAFF = ("benchmark", "a-long-benchmark-passphrase")
IMPORT = [*benchmarking.MANAGE, "import_release"]
SHELL = [*benchmarking.MANAGE, "shell", "--no-imports", "-c"]
IMPORT_ROW = "import_release --jobs 1"
NOT_NICE_ROW = "the import, --nice 0"
EDITOR_ROW = "an editor saving each second"
FIND_RELEASE = (
    "from releases.models import Release; r = Release.objects.published().first(); "
    "print(r.pk, r.category_id)"
)


class Command(benchmarking.ArchiveBenchmarkCommand):
    help = (
        "Generate and import an archive, serve it with gunicorn as in production, and print "
        "requests/s and p50/p99 latency for each page, with and without the page cache, "
        "as ratios to a bare view; then a long load on the list page and admin timings."
    )

    default_count = 100_000

    def add_arguments(self, parser):
        super().add_arguments(parser)
        add = functools.partial(benchmarking.add_number, parser)
        add("--seconds", 10, "Load on each page.")
        add("--connections", 8, "Connections per page.")
        add("--load-seconds", 60, "The long load on the list page.")
        add("--load-connections", 32)
        add("--admin-repeats", 5)
        add("--memory-searches", 5, "Rounds of every search before a worker's memory is read.")
        add(
            "--churn-seconds",
            60,
            "The reader mix alone, beside a busy process, during an import of changed files "
            "and while an editor saves a release every second: each this long.",
        )
        add("--churn-connections", 32)
        add("--churn-files", 2000, "Changed files the import stores while readers read.")

    def handle(self, *args, count, databases, postgres_url, postgres_database, **options):
        self.options = options
        try:
            arguments = (count, databases, postgres_url, postgres_database, self.say)
            for workdir, url in benchmarking.imported_databases(*arguments):
                self.measure(url, workdir, count)
        except (serving.ServerFailed, serving_benchmark.LoadGeneratorMissing) as problem:
            raise CommandError(str(problem)) from None

    def measure(self, url, workdir, count):
        manage(
            url,
            "createsuperuser",
            "--noinput",
            f"--username={STAFF[0]}",
            "--email=b@x.gov",
            DJANGO_SUPERUSER_PASSWORD=STAFF[1],
        )
        log = Path(workdir, "gunicorn.log")
        with serving.gunicorn_process(url, log, BRIEFING_PAGE_CACHE="0") as (base, master):
            started = self.workers_memory(master.pid, base)
            self.pages("uncached (every page rendered)", base, count)
            self.admin(base, url)
            self.memory_after_searches(base, master.pid, started)
        prefix = f"benchmark-{uuid.uuid4().hex}"
        cache = {"BRIEFING_CACHE_URL": REDIS_URL, "BRIEFING_CACHE_PREFIX": prefix}
        self.cache_environment = cache
        try:
            with serving.running_gunicorn(url, log, **cache) as base:
                self.pages("cached (pages in Redis)", base, count)
                self.long_load(base)
                self.churn(base, url, workdir, log)
        finally:
            store = redis.Redis.from_url(REDIS_URL)
            for key in store.scan_iter(f"{prefix}:*"):
                store.delete(key)

    def pages(self, title, base, count):
        seconds, connections = self.options["seconds"], self.options["connections"]
        self.say(f"  {title}, {connections} connections, {seconds} s each:")
        self.say(
            f"    {'page':24}{'requests/s':>11}{'x bare':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        )
        bare = None
        for label, path, headers in serving_benchmark.pages(base, count):
            # Driven untimed for a second first: what each worker does once (its
            # first render of a template, what it holds per content version) is
            # not the page's rate.
            serving_benchmark.drive(base + path, 1, connections, headers)
            load = serving_benchmark.drive(base + path, seconds, connections, headers)
            bare = bare or load.rate
            self.say(
                f"    {label:24}{load.rate:11,.0f}{load.rate / bare:8.2f}"
                f"{load.p50:9.1f}{load.p99:9.1f}{load.errors:8}"
            )

    def workers_memory(self, master_pid, base=None):
        """Return {worker pid: its private memory in MB}, after a second of requests
        for the bare view at *base* if given (every worker then has booted)."""
        if base:
            serving_benchmark.drive(f"{base}/health/", 1, self.options["connections"])
        return {pid: serving.private_memory_mb(pid) for pid in serving.worker_pids(master_pid)}

    def memory_after_searches(self, base, master_pid, started):
        """Print the private memory (USS) of the largest worker, and what it gained since
        *started* ({pid: MB} as the server started), once every search has been asked."""
        for _ in range(self.options["memory_searches"]):
            for path in serving_benchmark.search_paths():
                serving_benchmark.fetch(base + path)
        now = self.workers_memory(master_pid)
        pid = max(now, key=now.get)
        gained = now[pid] - started.get(pid, now[pid])
        self.say(
            f"  worker private memory (USS) after the pages and searches: {now[pid]:.0f} MB, "
            f"{gained:+.0f} MB since it started"
        )

    def long_load(self, base):
        seconds, connections = self.options["load_seconds"], self.options["load_connections"]
        load = serving_benchmark.drive(f"{base}/briefing-room/", seconds, connections)
        self.say(
            f"  list page, {connections} connections for {seconds} s: {load.rate:,.0f} requests/s, "
            f"p50 {load.p50:.1f} ms, p99 {load.p99:.1f} ms, {load.errors} errors"
        )

    def churn(self, base, url, workdir, log):
        """The reader mix alone, beside a busy process, while ``import_release --jobs 1``
        stores changed files (at its own lowered priority, then at the busy process's),
        and while an editor saves a release every second.

        Each row also counts the requests that held a worker for RENDER_MS or
        more (*log* is gunicorn's access log): mostly the pages rendered again.
        On PostgreSQL each row's note adds the cores the database's server
        processes kept busy: the import's writes are theirs.
        """
        seconds = self.options["churn_seconds"]
        connections = self.options["churn_connections"]
        paths = serving_benchmark.reader_mix(base)
        for path in paths:
            # Rendered once before timing: "alone" is the mix served from the cache.
            serving_benchmark.fetch(base + path)
        archive, count = Path(workdir, "archive"), self.options["churn_files"]
        changed = serving_benchmark.changed_copies(archive, Path(workdir, "changed"), count)
        changed_again = serving_benchmark.changed_copies(
            archive, Path(workdir, "changed-again"), count, "Updated again."
        )
        beside = [
            ("nothing", None),
            # At the benchmark's own priority: another program taking a core.
            ("a busy process", [sys.executable, "-c", serving_benchmark.BUSY_LOOP]),
            (IMPORT_ROW, [*IMPORT, str(changed), "--jobs", "1", "-v0"]),
            (NOT_NICE_ROW, [*IMPORT, str(changed_again), "--jobs", "1", "--nice", "0", "-v0"]),
            (EDITOR_ROW, [*SHELL, serving_benchmark.editor(seconds)]),
        ]
        environment = serving.child_env(url, **self.cache_environment)
        self.say(f"  reader mix ({len(paths)} pages), {connections} connections, {seconds} s each:")
        self.say(
            f"    {'beside':30}{'requests/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
            f"{f'>={serving_benchmark.RENDER_MS} ms':>10}{'their s':>9}"
        )
        loads = {}
        for label, command in beside:
            offset = log.stat().st_size
            with self.database_server(url) as server:
                load, note = serving_benchmark.mix_beside(
                    command, environment, base, paths, seconds, connections, workdir
                )
            slow, slow_ms = serving_benchmark.slow_requests(log, offset)
            loads[label] = load
            if server:
                note += f"  (database: {server.cores:.2f} cores)"
            self.say(
                f"    {label:30}{load.rate:11,.0f}{load.p50:9.1f}{load.p99:9.1f}{load.errors:8}"
                f"{slow:10}{slow_ms / 1000:9.1f}{note}"
            )
        busy = loads["a busy process"].p99
        self.say(
            f"    p99 beside the import: {loads[IMPORT_ROW].p99 / busy:.2f}x beside a busy "
            f"process ({loads[NOT_NICE_ROW].p99 / busy:.2f}x with --nice 0); beside the editor: "
            f"{loads[EDITOR_ROW].p99 / busy:.2f}x (target: at most 1.5x)"
        )

    def database_server(self, url):
        """Measure the CPU of the database's server processes, on PostgreSQL; nothing on SQLite."""
        if url.startswith("sqlite"):
            return contextlib.nullcontext()
        return serving_benchmark.DatabaseServerCpu(url)

    def admin(self, base, url):
        release_pk, category_pk = manage(url, "shell", "--no-imports", "-c", FIND_RELEASE).split()
        session = serving_benchmark.StaffSession(base, *STAFF)
        self.say(f"  admin, signed in (median of {self.options['admin_repeats']}):")
        for label, path in serving_benchmark.admin_pages(release_pk, category_pk):
            milliseconds = session.median_ms(path, self.options["admin_repeats"])
            self.say(f"    {label:24}{milliseconds:9.1f} ms")


def manage(database_url, *args, **environment):
    """Run manage.py *args* against *database_url*; return its output."""
    result = subprocess.run(
        [*benchmarking.MANAGE, *args],
        env=serving.child_env(database_url, **environment),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise CommandError(f"manage.py {args[0]} failed: {reason}")
    return result.stdout

"""Measure the importer against its ceilings, on SQLite and PostgreSQL, in one run.

Used by ``manage.py benchmark_import`` (``make bench``). Each import runs as
the real command in a process of its own, so that its wall time and its peak
memory (PSS summed over the command and its worker processes) are what an
operator would see. The other benchmarks build on its
archives, databases and command options.
"""

import argparse
import dataclasses
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from releases.benchmarks.generator import ArchiveGenerator
from releases.benchmarks.memory import run_sampled
from releases.importing.discovery import find_release_files
from releases.importing.parsing import parse_release
from releases.importing.preparing import read_release_file

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432"
DEFAULT_POSTGRES_DATABASE = "briefing_benchmark"
DATABASES = ("sqlite", "postgresql")
MANAGE = [sys.executable, str(Path(settings.BASE_DIR, "manage.py"))]


@dataclasses.dataclass
class Measurement:
    """One timed run over *files* files."""

    files: int
    seconds: float
    peak_pss_mb: float = 0.0

    @property
    def rate(self):
        return self.files / self.seconds


class ArchiveBenchmarkCommand(BaseCommand):
    """A benchmark command on a generated archive, *default_count* files unless told."""

    default_count = 20_000

    def add_arguments(self, parser):
        add_archive_arguments(parser, count=self.default_count)

    def say(self, text):
        """Write a line of the results at once: a benchmark runs for minutes."""
        self.stdout.write(text)
        self.stdout.flush()


def add_number(parser, name, default, text="", minimum=1):
    """Add the option *name*: a whole number of at least *minimum*, *default* unless given."""
    parser.add_argument(name, type=at_least(minimum), default=default, help=text or None)


def add_archive_arguments(parser, count):
    """Add the options every benchmark takes: archive size, databases, PostgreSQL server."""
    add_number(parser, "--count", count, "Files to generate.")
    parser.add_argument(
        "--databases",
        type=database_names,
        default=list(DATABASES),
        help="Comma-separated: sqlite, postgresql (default: both).",
    )
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES,
        help=f"A PostgreSQL server to create the benchmark database on ({DEFAULT_POSTGRES}).",
    )
    parser.add_argument(
        "--postgres-database",
        default=DEFAULT_POSTGRES_DATABASE,
        help="The benchmark's database there, dropped and created afresh "
        f"({DEFAULT_POSTGRES_DATABASE}).",
    )


def at_least(minimum):
    """Return an argparse type: a whole number no smaller than *minimum*."""

    def whole_number(text):
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is too small: at least {minimum}")
        return value

    return whole_number


def database_names(text):
    """The argparse type of --databases: a list of names from DATABASES."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in DATABASES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(DATABASES)}")
    return names


def run_step(command, environment, what):
    """Run *command* in *environment*; return its output, or raise CommandError naming *what*.

    The command's own error reaches the terminal as it wrote it.
    """
    result = subprocess.run(command, env=environment, stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise CommandError(f"{what} failed with exit status {result.returncode} (see above)")
    return result.stdout


def archive_files(directory):
    return [str(path) for path, problem in find_release_files([directory]) if problem is None]


def parse_only(files):
    """Read and parse every file in this process, with no database: the ceiling."""
    started = time.perf_counter()
    for path in files:
        parse_release(read_release_file(path))
    return Measurement(len(files), time.perf_counter() - started)


def run_measured(arguments, database_url, count):
    """Run ``manage.py`` with *arguments* on *database_url*; return its Measurement of
    *count* items, or raise CommandError."""
    environment = {**os.environ, "DATABASE_URL": database_url}
    started = time.perf_counter()
    status, _, peak_mb = run_sampled([*MANAGE, *arguments, "-v0"], environment)
    seconds = time.perf_counter() - started
    if status != 0:
        raise CommandError(f"{arguments[0]} on {database_url} failed with exit status {status}")
    return Measurement(count, seconds, peak_mb)


def run_import(database_url, directory, files, jobs=None):
    """Run ``manage.py import_release`` on *directory* (with ``--jobs`` *jobs*, if given);
    return its Measurement."""
    arguments = ["import_release", str(directory)]
    if jobs is not None:
        arguments += ["--jobs", str(jobs)]
    return run_measured(arguments, database_url, len(files))


def run_rebuild(database_url, releases):
    """Run ``manage.py search_index``, rebuilding the index of *releases* releases; return
    its Measurement."""
    return run_measured(["search_index"], database_url, releases)


def change_one_percent(files):
    """Add a sentence to the body of every hundredth file; return how many changed."""
    changed = files[::100]
    for path in changed:
        with open(path, "a", encoding="utf-8") as file:
            file.write("\nThis release was corrected after publication.\n")
    return len(changed)


class Databases:
    """Empty databases to import into, made afresh for each benchmark run.

    Each comes with a search index directory of its own in *workdir*, named
    in this process's environment for the commands it runs, so that neither
    the checkout's index nor the other database's is written.
    """

    def __init__(self, workdir, postgres_url, postgres_database=DEFAULT_POSTGRES_DATABASE):
        self.workdir = Path(workdir)
        self.postgres_url = postgres_url.rstrip("/")
        self.postgres_database = postgres_database

    def made(self, name):
        """Return the URL of the empty database *name* (from DATABASES), migrated."""
        os.environ["BRIEFING_SEARCH_INDEX"] = str(self.workdir / f"search-index-{name}")
        return getattr(self, name)()

    def sqlite(self):
        path = self.workdir / "benchmark.sqlite3"
        for leftover in self.workdir.glob("benchmark.sqlite3*"):
            leftover.unlink()
        return self.migrated(f"sqlite:///{path}")

    def postgresql(self):
        name = self.postgres_database
        try:
            with psycopg.connect(f"{self.postgres_url}/postgres", autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
                connection.execute(f'CREATE DATABASE "{name}"')
        except psycopg.Error as error:
            reason = str(error).strip().splitlines()[0]
            raise CommandError(f"PostgreSQL at {self.postgres_url}: {reason}") from None
        return self.migrated(f"{self.postgres_url}/{name}")

    def migrated(self, url):
        environment = {**os.environ, "DATABASE_URL": url}
        run_step([*MANAGE, "migrate", "-v0"], environment, f"migrate on {url}")
        return url


def generate_archive(directory, count):
    started = time.perf_counter()
    ArchiveGenerator().write(directory, count)
    seconds = time.perf_counter() - started
    # Written back to disk now, so that the write-back does not slow the timings.
    os.sync()
    return seconds


def temporary_directory():
    return tempfile.TemporaryDirectory(prefix="briefing-benchmark-")


def imported_databases(count, databases, postgres_url, postgres_database, say):
    """Write an archive of *count* files, and yield (work directory, database URL) for each
    of *databases* (names from DATABASES) once the archive is imported into it.

    *say* is given a line for the archive and for each import, with their times.
    """
    with temporary_directory() as workdir:
        archive = Path(workdir, "archive")
        seconds = generate_archive(archive, count)
        files = archive_files(archive)
        say(f"Archive: {len(files):,} files, written in {seconds:.0f} s")
        makers = Databases(workdir, postgres_url, postgres_database)
        for name in databases:
            url = makers.made(name)
            imported = run_import(url, archive, files)
            say(f"\n{name}: imported in {imported.seconds:.0f} s")
            yield workdir, url

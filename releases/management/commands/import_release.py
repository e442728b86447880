"""Import release files (YAML front matter and a Markdown body) into the database.

python manage.py import_release fixtures/ path/to/release.md --dry-run
python manage.py import_release export/ --map headline=title

Today's archive's tags and source_url are read as category and permalink
without --map, and the summary says so.
"""

import argparse
import contextlib
import getpass
import os
import signal

from django.core.management.base import BaseCommand, CommandError

from releases.importing.discovery import find_release_files
from releases.importing.importer import ReleaseImport
from releases.importing.key_names import KNOWN_KEYS, key_mapping
from releases.importing.progress import ProgressBar
from releases.importing.records import Outcome
from releases.models import ImportRun

# How much nicer than its caller an import runs by default, and the most there is.
NICENESS = 10
MAX_NICENESS = 19


@contextlib.contextmanager
def stopped_by_sigterm():
    """Treat SIGTERM (a service manager stopping the import) as Ctrl-C: the batch
    being stored is rolled back, and the run recorded as interrupted."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def lower_priority(increment):
    """Make this process *increment* steps nicer (as nice(1) does) and, where the
    system has it, idle work (Linux's SCHED_IDLE policy); the threads and worker
    processes it starts from now on inherit both.

    An import is background work: on a machine that also serves readers, the
    web server's processes should have the processor whenever they want it, and
    the import the time they leave. Niceness alone left them waiting: an import's
    threads each take their share, and a woken reader waited for one to give up
    the processor. Idle work runs only when nothing else asks for the processor,
    and gives it up at once when something does. Neither matters when the
    processor is not contended, so an import on an idle machine runs as fast as
    before.
    """
    if not increment:
        return
    os.nice(increment)
    if hasattr(os, "SCHED_IDLE"):
        # A system that refuses it leaves the import nicer, as one without it does.
        with contextlib.suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def niceness(value):
    """Parse ``--nice N``: a whole number from 0 (leave the priority) to 19."""
    try:
        increment = int(value)
    except ValueError:
        increment = -1
    if not 0 <= increment <= MAX_NICENESS:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to {MAX_NICENESS}")
    return increment


def map_option(value):
    """Parse one ``--map KEY=FIELD`` option."""
    try:
        return key_mapping(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


class Command(BaseCommand):
    help = (
        "Import release files, and the *.txt and *.md files under directories. "
        "Releases are matched on their permalink: unchanged files are not written."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="+", metavar="PATH", help="A release file or a directory of them."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would be created or updated, and write nothing.",
        )
        parser.add_argument(
            "--atomic",
            action="store_true",
            help="Import all the files or, if any fails, none of them.",
        )
        parser.add_argument(
            "--map",
            dest="key_map",
            type=map_option,
            action="append",
            default=[],
            metavar="KEY=FIELD",
            help=f"Read front-matter key KEY as FIELD, one of: {', '.join(sorted(KNOWN_KEYS))}. "
            "Repeat for several keys. Today's archive's tags and source_url are read as "
            "category and permalink without it, where a file has no category or permalink.",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=os.cpu_count() or 1,
            help="Worker processes that read and parse files (default: one per CPU; "
            "0 does all the work in this process).",
        )
        parser.add_argument(
            "--drafts",
            action="store_true",
            help="Store new releases as drafts for staff to publish, instead of publishing them.",
        )
        parser.add_argument(
            "--nice",
            type=niceness,
            default=NICENESS,
            metavar="N",
            help=f"Run this import and its workers N steps nicer, as nice(1) does, and as idle "
            "work where the system has it (Linux's SCHED_IDLE), so that readers' requests "
            f"have the processor first (default: {NICENESS}; 0 leaves the priority as it is).",
        )

    def handle(
        self, *args, paths, dry_run, atomic, key_map, jobs, drafts, nice, verbosity, **options
    ):
        # First, before any thread or worker starts: on Linux niceness is each
        # thread's own, and a thread or process takes its starter's.
        lower_priority(nice)
        release_import = ReleaseImport(
            paths,
            dry_run=dry_run,
            atomic=atomic,
            key_map=dict(key_map),
            jobs=jobs,
            drafts=drafts,
            started_by=f"{getpass.getuser()} (manage.py import_release)",
        )
        self.progress = progress = self.progress_bar(paths, verbosity)
        ImportRun.objects.settle_abandoned()
        try:
            with stopped_by_sigterm():
                run = release_import.run(
                    on_failure=self.report_failure, on_progress=progress.advance
                )
        except KeyboardInterrupt:
            progress.close()
            raise CommandError(
                f"Interrupted after {release_import.summary}: every release stored is whole; "
                "run the same command again to finish.",
                returncode=130,
            ) from None
        progress.close()
        self.report(release_import, run, verbosity)

    def progress_bar(self, paths, verbosity):
        shown = verbosity >= 1 and self.stderr.isatty()
        total = sum(1 for _ in find_release_files(paths)) if shown else 0
        return ProgressBar(self.stderr, total, enabled=shown)

    def report_failure(self, record):
        self.progress.clear()
        self.stderr.write(f"{record.path}: {record.reason}", self.style.ERROR)

    def report(self, release_import, run, verbosity):
        summary = release_import.summary
        if verbosity >= 2:
            for record in release_import.recorder.records():
                if record.outcome != Outcome.FAILED:
                    reason = f" ({record.reason})" if record.reason else ""
                    self.stdout.write(f"{record.outcome}: {record.path}{reason}")
        if verbosity >= 1:
            prefix = "Dry run, nothing written: " if release_import.dry_run else ""
            self.stdout.write(self.style.SUCCESS(f"{prefix}{summary}"))
        if run and run.status == ImportRun.Status.ROLLED_BACK:
            raise CommandError(
                f"Nothing imported: {summary[Outcome.FAILED]} file(s) failed and --atomic was given"
            )
        if summary[Outcome.FAILED]:
            raise CommandError(f"{summary[Outcome.FAILED]} file(s) could not be imported")

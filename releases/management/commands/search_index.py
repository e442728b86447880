"""Rebuild this app server's search index from the database: ``manage.py search_index``.

The new index is built beside the one in use, which goes on answering
searches, and swapped in at once when it is complete.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from releases.importing.progress import ProgressBar
from releases.models import Release
from releases.search import directory, updating


class Command(BaseCommand):
    help = (
        "Rebuild this server's search index (BRIEFING_SEARCH_INDEX) from the database and "
        "swap it in; searches go on meanwhile."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Build the index only if there is none, or it cannot be opened.",
        )

    def handle(self, *args, if_missing, verbosity, **options):
        where = directory.root()
        if if_missing and self.usable():
            if verbosity:
                self.stdout.write(f"The search index at {where} is in place.")
            return
        started = time.monotonic()
        bar = ProgressBar(
            self.stderr, Release.objects.count(), enabled=verbosity > 0, unit="releases"
        )
        try:
            count = updating.rebuild(on_progress=bar.advance)
            updating.catch_up()
        except OSError as error:
            raise CommandError(f"Cannot write the search index at {where}: {error}") from None
        finally:
            bar.close()
        if verbosity:
            seconds = time.monotonic() - started
            self.stdout.write(
                self.style.SUCCESS(f"Indexed {count:,} releases in {seconds:.1f} s at {where}.")
            )

    def usable(self):
        try:
            return directory.opened() is not None
        except directory.DamagedIndex:
            return False

"""Render again the releases rendered under other settings: ``manage.py render_releases``.

Run it after raising RENDERER_VERSION or changing BRIEFING_IMAGE_HOSTS: until
then, each release is rendered again by the first reader who asks for it.
"""

import time

from django.core.management.base import BaseCommand

from releases.importing.progress import ProgressBar
from releases.models import Release
from releases.rendered import render_stored, stale
from releases.transcripts.people import People


class Command(BaseCommand):
    help = (
        "Render again, and keep, every release body rendered under other renderer settings "
        "(RENDERER_VERSION, BRIEFING_IMAGE_HOSTS) than this server's."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            dest="every",
            help="Render every release, not only the stale ones.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say how many would be rendered, and stop."
        )

    def handle(self, *args, every, dry_run, verbosity, **options):
        releases = Release.objects.all() if every else stale(Release.objects.all())
        count = releases.count()
        if dry_run:
            self.stdout.write(f"{count:,} releases would be rendered.")
            return
        started = time.monotonic()
        bar = ProgressBar(self.stderr, count, enabled=verbosity > 0, unit="releases")
        try:
            done = render_stored(releases, on_batch=bar.advance, people=People())
        finally:
            bar.close()
        if verbosity:
            seconds = time.monotonic() - started
            self.stdout.write(self.style.SUCCESS(f"Rendered {done:,} releases in {seconds:.1f} s."))

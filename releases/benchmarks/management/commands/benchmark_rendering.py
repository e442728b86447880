"""Time what rendering a body costs, per body of the release files given.

python manage.py benchmark_rendering tests/data/archive-sample
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from releases.benchmarks.importing import add_number
from releases.importing.discovery import find_release_files
from releases.importing.errors import ReleaseError
from releases.importing.parsing import parse_release
from releases.importing.preparing import read_release_file
from releases.rendering import (
    Rendering,
    page_html,
    paragraph_anchor,
    render_body,
    renderer_settings,
    searchable_text,
    summary_text,
)
from releases.transcripts.people import People
from releases.transcripts.turns import transcript


def plain_rendering(body):
    """A Rendering as it was made before paragraphs were anchored and turns shown."""
    html = render_body(body)
    text = searchable_text(html)
    return Rendering(html, text, summary_text(text), renderer_settings())


def deep_anchor(body):
    """The anchor of the paragraph three quarters of the way into *body*."""
    return paragraph_anchor(body, len(body) * 3 // 4)


class Command(BaseCommand):
    help = (
        "Print the milliseconds of CPU a body costs to render (the best of several passes, in "
        "this one process): the sanitized HTML alone, as before anchors and turns; the page's "
        "HTML, anchored, turns shown, with and without the speakers' links; the whole "
        "Rendering a release keeps, before and now; and finding the paragraph of a search "
        "match deep in a body."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Release files, or directories of them.")
        add_number(parser, "--passes", 3, "Passes over the bodies; the best is printed.")

    def handle(self, *args, paths, passes, **options):
        releases = self.releases(paths)
        try:
            people = People().load()
        except DatabaseError as exc:
            raise CommandError(f"cannot read the people speakers name: {exc}") from None
        transcripts = sum(transcript(body) is not None for body, _ in releases)
        self.stdout.write(f"{len(releases)} bodies, {transcripts} of them transcripts")
        timings = [
            ("render_body (sanitized HTML alone)", lambda body, at: render_body(body)),
            ("page_html, no speakers", lambda body, at: page_html(body)),
            ("page_html, speakers linked", lambda body, at: page_html(body, people.at(at))),
            ("Rendering before (render_body's)", lambda body, at: plain_rendering(body)),
            ("Rendering.of, speakers linked", lambda body, at: Rendering.of(body, people.at(at))),
            # What a search result pays to link to a match past the opening.
            ("paragraph_anchor, 3/4 of the way in", lambda body, at: deep_anchor(body)),
        ]
        for name, work in timings:
            best = min(self.seconds(work, releases) for _ in range(passes))
            self.stdout.write(f"{name:<40} {best * 1000 / len(releases):7.3f} ms a body")

    def releases(self, paths):
        """Return (body, publication time) of each release file under *paths*."""
        releases = []
        for path, problem in find_release_files(paths):
            if problem:
                raise CommandError(f"{path}: {problem}")
            try:
                parsed = parse_release(read_release_file(path))
            except ReleaseError as exc:
                raise CommandError(f"{path}: {exc}") from None
            releases.append((parsed.body, parsed.published_at))
        if not releases:
            raise CommandError("No release files under the paths given.")
        return releases

    @staticmethod
    def seconds(work, releases):
        started = time.process_time()
        for body, at in releases:
            work(body, at)
        return time.process_time() - started

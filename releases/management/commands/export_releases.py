"""Export releases as files in the archive's format, which import_release reads back.

python manage.py export_releases export/
python manage.py export_releases export/ --category press-briefings --category blog
python manage.py export_releases export/ --since 2021-01-20 --until 2021-03-31

Files are written as <category>/<yyyy-mm>/<yyyy-mm-dd>-<slug>.md under the
directory, replacing any already there. A release imported from a file in the
archive's format exports to the same bytes.
"""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from releases.exporting import export_releases
from releases.importing.parsing import DATE_PATTERN
from releases.models import RENDERED_FIELDS, Category, Release


def parse_date_option(option, value):
    """Return the date *value* given to *option*, or raise CommandError saying why not."""
    # fromisoformat alone would also take forms such as 20210304 and 2021-W09-4.
    if DATE_PATTERN.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise CommandError(f"{option}: {value!r} is not a date (expected YYYY-MM-DD)")


class Command(BaseCommand):
    help = (
        "Write every release as a file in the archive's format under DIRECTORY, "
        "as <category>/<yyyy-mm>/<yyyy-mm-dd>-<slug>.md; import_release reads them back."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "directory", metavar="DIRECTORY", help="Where to write the files; created if missing."
        )
        parser.add_argument(
            "--category",
            dest="categories",
            action="append",
            default=[],
            metavar="SLUG",
            help="Export only this category's releases. Repeat for several categories.",
        )
        parser.add_argument(
            "--since",
            metavar="YYYY-MM-DD",
            help="Export only releases dated on or after this day.",
        )
        parser.add_argument(
            "--until",
            metavar="YYYY-MM-DD",
            help="Export only releases dated on or before this day.",
        )

    def handle(self, *args, directory, categories, since, until, verbosity, **options):
        releases = self.selected_releases(categories, since, until)
        directory = Path(directory)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"{directory}: cannot create: {exc.strerror or exc}") from None
        try:
            count = export_releases(releases, directory)
        except OSError as exc:
            raise CommandError(f"{exc.filename}: cannot write: {exc.strerror or exc}") from None
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(f"exported {count} releases to {directory}"))

    def selected_releases(self, categories, since, until):
        """Return the releases the options ask for, or raise CommandError for a bad option."""
        # An export writes what was written, never what it renders to.
        releases = Release.objects.defer(*RENDERED_FIELDS)
        if categories:
            known = set(Category.objects.filter(slug__in=categories).values_list("slug", flat=True))
            # A mistyped slug would otherwise export nothing, and say so quietly.
            unknown = [slug for slug in categories if slug not in known]
            if unknown:
                raise CommandError(f"--category: no category {unknown[0]!r}")
            releases = releases.filter(category__slug__in=categories)
        since = None if since is None else parse_date_option("--since", since)
        until = None if until is None else parse_date_option("--until", until)
        if since and until and since > until:
            raise CommandError(f"--since: {since} is after --until {until}")
        if since:
            releases = releases.filter(date__gte=since)
        if until:
            releases = releases.filter(date__lte=until)
        return releases

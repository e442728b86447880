"""Import release files (YAML front matter and a Markdown body) into the database.

python manage.py import_release fixtures/ path/to/release.md --dry-run
"""

from django.core.management.base import BaseCommand, CommandError

from releases.importer import Outcome, import_releases


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

    def handle(self, *args, paths, dry_run, verbosity, **options):
        def report(result):
            if result.outcome is Outcome.FAILED:
                self.stderr.write(f"{result.path}: {result.reason}", self.style.ERROR)
            elif verbosity >= 2:
                self.stdout.write(f"{result.outcome}: {result.path}")

        summary = import_releases(paths, dry_run=dry_run, on_result=report)
        if verbosity >= 1:
            prefix = "Dry run, nothing written: " if dry_run else ""
            self.stdout.write(self.style.SUCCESS(f"{prefix}{summary}"))
        if summary[Outcome.FAILED]:
            raise CommandError(f"{summary[Outcome.FAILED]} file(s) could not be imported")

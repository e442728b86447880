"""Undo an import run from the command line, for runs too large to undo in a web request.

python manage.py undo_import 42 --dry-run
"""

from django.core.management.base import BaseCommand, CommandError

from releases.importing.undoing import UndoError, preview_undo, undo_run
from releases.models import ImportRun


class Command(BaseCommand):
    help = (
        "Undo the import run RUN: remove the releases it created and restore the releases it "
        "updated to what they were before it; releases changed since are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("run", type=int, help="The import run's id, as the admin lists it.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what undoing it would do; change nothing."
        )

    def handle(self, *args, run, dry_run, **options):
        import_run = ImportRun.objects.filter(pk=run).first()
        if import_run is None:
            raise CommandError(f"There is no import run {run}.")
        try:
            summary = self.preview(import_run) if dry_run else undo_run(import_run)
        except UndoError as refusal:
            raise CommandError(str(refusal)) from None
        prefix = "Dry run, nothing changed: " if dry_run else "Undid "
        self.stdout.write(self.style.SUCCESS(f"{prefix}{import_run}: {summary}."))
        for release, reason in summary.left_alone:
            self.stdout.write(f"Left as it is: “{release}”: {reason}.")

    def preview(self, import_run):
        [(_, outcome)] = preview_undo([import_run])
        if isinstance(outcome, UndoError):
            raise outcome
        return outcome

"""Release files uploaded in the admin: held as one zip until staff confirm,
then imported by the same importer as ``manage.py import_release``."""

import dataclasses
import datetime
import os
import tempfile

from django.utils import timezone
from django.utils.text import Truncator

from releases.importing.archives import archive_of, unpack
from releases.importing.importer import ReleaseImport
from releases.importing.records import FileRecord, ImportSummary
from releases.models import StagedUpload

STALE_AFTER = datetime.timedelta(days=1)


@dataclasses.dataclass
class Preview:
    """What importing a staged upload would do, file by file."""

    staged: StagedUpload
    records: list[FileRecord]
    summary: ImportSummary


def stage_upload(files, user, *, drafts=False, key_map=None):
    """Check uploaded *files*, work out what importing them would do, and hold
    them for *user* to confirm. Return the Preview.

    Raise UploadRefused, and hold nothing, if they cannot be imported at all.
    """
    name, archive = archive_of(files)
    dry_run = import_archive(archive, name, dry_run=True, drafts=drafts, key_map=key_map)
    StagedUpload.objects.filter(uploaded_at__lt=timezone.now() - STALE_AFTER).delete()
    longest = StagedUpload._meta.get_field("name").max_length
    staged = StagedUpload.objects.create(
        uploaded_by=user, name=Truncator(name).chars(longest), archive=archive
    )
    records = sorted(dry_run.recorder.records(), key=lambda record: record.position)
    return Preview(staged, records, dry_run.summary)


def import_staged(staged, user, *, drafts=False, key_map=None):
    """Import the files held in *staged* for *user*, then let them go.

    Return the ReleaseImport, which holds the run and its summary.
    """
    started_by = f"{user.get_username()} (admin upload)"
    archive = bytes(staged.archive)  # PostgreSQL gives a memoryview
    release_import = import_archive(
        archive, staged.name, drafts=drafts, key_map=key_map, started_by=started_by
    )
    staged.delete()
    return release_import


def import_archive(archive, name, **options):
    """Run a ReleaseImport with *options* over the release files in zip *archive*,
    uploaded as *name*, recording them by their names in it; return the import."""
    with tempfile.TemporaryDirectory(prefix="briefing-upload-") as directory:
        unpack(archive, name, directory)
        # No worker processes in a web request: they would fork the server.
        release_import = ReleaseImport([os.curdir], root=directory, jobs=0, **options)
        release_import.run()
    return release_import

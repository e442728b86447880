"""The outcome of each file in an import run: counted, and written down as it is committed."""

import collections
import dataclasses

from releases.db.bulk_insert import BulkInsert
from releases.importing.key_names import keys_read_as
from releases.models import ImportedFile

Outcome = ImportedFile.Outcome


class ImportSummary(collections.Counter):
    """Counts of each outcome over an import run, and the keys its files had read as
    fields under other names (said once here, not on every file)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.keys_read_as = {}

    def read(self, prepared_files):
        """Note the keys each of *prepared_files* had read as fields."""
        for prepared in prepared_files:
            if prepared.release is not None:
                self.keys_read_as.update(dict.fromkeys(prepared.release.keys_read_as))

    def __str__(self):
        counts = ", ".join(f"{outcome} {self[outcome]}" for outcome in Outcome)
        if not self.keys_read_as:
            return counts
        return f"{counts}; {keys_read_as(self.keys_read_as)}"


@dataclasses.dataclass
class FileRecord:
    """What the run did with the file at *position*."""

    position: int
    path: str
    outcome: Outcome
    reason: str = ""
    release_id: int | None = None
    source_hash: str = ""


class RunRecorder:
    """Count and record the outcomes of one run's files.

    Records are staged while a batch is written and count only once it is
    committed, so a batch that is rolled back is neither stored nor counted.
    With a *run*, committed records become ImportedFile rows; without one (a
    dry run, or an all-or-nothing run until it ends) they are held in memory.
    """

    def __init__(self, run=None):
        self.run = run
        self.summary = ImportSummary()
        self.staged = {}
        self.in_memory = {}
        self.insert_rows = BulkInsert(
            ImportedFile,
            ("run", "position", "path", "outcome", "reason", "release", "source_hash"),
        )

    def stage(self, record):
        self.staged[record.position] = record

    def discard(self):
        """Forget the staged records: their batch is to be settled again."""
        self.staged = {}

    def commit(self):
        """Store the staged records and return them; call it last in the batch's transaction."""
        records = list(self.staged.values())
        if self.run:
            self.insert_rows(self.rows(records))
        else:
            self.in_memory.update((record.position, record) for record in records)
        self.summary.update(record.outcome for record in records)
        self.staged = {}
        return records

    def supersede(self, position, outcome, by_path):
        """Mark the file at *position*, whose outcome was *outcome*, as superseded."""
        reason = f"superseded by {by_path}, modified later"
        if position in self.staged:
            self.staged[position].outcome = Outcome.SUPERSEDED
            self.staged[position].reason = reason
            return
        self.summary[outcome] -= 1
        self.summary[Outcome.SUPERSEDED] += 1
        if self.run:
            self.run.files.filter(position=position).update(
                outcome=Outcome.SUPERSEDED, reason=reason
            )
        else:
            self.in_memory[position].outcome = Outcome.SUPERSEDED
            self.in_memory[position].reason = reason

    def write_in_memory(self, run, *, committed):
        """Write the records held in memory to *run*, as an all-or-nothing run ends.

        Unless the run was *committed*, the releases they name were rolled back.
        """
        self.run = run
        if not committed:
            for record in self.in_memory.values():
                record.release_id = None
        self.insert_rows(self.rows(self.in_memory.values()))
        self.in_memory = {}

    def records(self):
        """Yield every committed record in file order."""
        if not self.run:
            yield from self.in_memory.values()
            return
        rows = self.run.files.order_by("position")
        for row in rows.values_list("position", "path", "outcome", "reason").iterator():
            yield FileRecord(*row)

    def rows(self, records):
        """Return ImportedFile rows for *records*, as BulkInsert takes them."""
        return [
            (
                self.run.pk,
                record.position,
                record.path,
                str(record.outcome),
                record.reason,
                record.release_id,
                record.source_hash,
            )
            for record in records
        ]

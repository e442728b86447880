"""Decide what each prepared file does to the database, and store a batch at once.

Each batch is one transaction: an interrupted import leaves whole releases
behind, never part of one. Files are matched on their permalink; when two
files in one run share a permalink, the one modified (or else published) last
is stored, whatever their order.

A release is one item at one address. A file whose permalink is new but whose
address is a release's is that release published again under another
permalink (an archive that moved, a slug fixed): the later modified (or else
published) of the two is stored, whatever the order of the imports, and the
release keeps every permalink it had, each matching it on import.
"""

import dataclasses
import datetime
import functools
import typing
from urllib.parse import unquote, urlsplit

from django.db import IntegrityError, transaction
from django.utils import timezone

from releases.changes import content_changed
from releases.db.bulk_insert import BulkInsert
from releases.importing.records import FileRecord, Outcome
from releases.models import (
    RENDERED_FIELDS,
    Category,
    FormerPermalink,
    Redirect,
    Release,
    release_path,
)
from releases.search import updating
from releases.transcripts.resolving import replace_turns

STORED_FIELDS = (
    "title",
    "date",
    "published_at",
    "modified_at",
    "slug",
    "body",
    "extra_front_matter",
    "published_offset",
    "modified_offset",
)
UPDATED_FIELDS = (
    *STORED_FIELDS,
    "permalink",
    "category",
    "source_hash",
    "updated_at",
    *RENDERED_FIELDS,
)
INSERTED_FIELDS = (
    *STORED_FIELDS,
    "permalink",
    "category",
    "source_hash",
    "created_at",
    "updated_at",
    "status",
    "withdrawal_reason",
    *RENDERED_FIELDS,
)
# A revision holds the release's values as the import left them, not their rendering.
REVISION_FIELDS = (
    "id",
    *STORED_FIELDS,
    "permalink",
    "category",
    "source_hash",
    "created_at",
    "status",
    "withdrawn_at",
    "withdrawal_reason",
    "change_note",
    "history_date",
    "history_type",
    "history_change_reason",
    "import_run",
)
STATEMENT_ROWS = 64
# Times a batch is settled against what another import stored meanwhile.
SETTLE_ATTEMPTS = 3


@dataclasses.dataclass
class Claim:
    """The file that holds a permalink so far in this run."""

    rank: tuple
    position: int
    path: str
    outcome: Outcome


class MemoryClaims(dict):
    """Every claim of the run, by permalink: for runs that hold their records in memory."""

    def load(self, releases):
        """Nothing to load: every claim is here already."""

    def end_batch(self):
        """Keep every claim: later batches need them."""


class RecordedClaims(dict):
    """The claims of a run recorded in the database, so that memory stays flat.

    Only the current batch's claims are held, by permalink. A claim from an
    earlier batch is the run's record of a file that holds a release: it is
    read back for the releases a batch touches.
    """

    def __init__(self, run):
        super().__init__()
        self.run = run

    def load(self, releases):
        """Read back the claims on *releases*: {pk: (permalink, modified or else published)}."""
        holding = [Outcome.CREATED, Outcome.UPDATED, Outcome.UNCHANGED]
        rows = self.run.files.filter(release__in=list(releases), outcome__in=holding)
        fields = ("release", "position", "path", "outcome", "source_hash")
        for release_id, position, path, outcome, source_hash in rows.values_list(*fields):
            permalink, instant = releases[release_id]
            rank = (instant, source_hash)
            self.setdefault(permalink, Claim(rank, position, path, Outcome(outcome)))

    def end_batch(self):
        self.clear()


class KnownRelease(typing.NamedTuple):
    """What the batch needs of a stored release whose file has not changed."""

    pk: int
    permalink: str
    published_at: datetime.datetime
    modified_at: datetime.datetime | None


@dataclasses.dataclass
class Write:
    """A release to create (no *existing* row) or to update."""

    position: int
    prepared: object
    existing: Release | None
    release_id: int | None = None


def path_of(url):
    """Return the path of *url* as a request to this site has it: percent-decoded."""
    return unquote(urlsplit(url).path)


def rank_of(release, source_hash):
    """Order files with one permalink: modified (or else published) last wins.

    The digest breaks ties, so that the order of the files never matters.
    """
    return (release.modified_at or release.published_at, source_hash)


def hides_a_public_release(release, parsed):
    """Whether *parsed* would move the public *release*'s publication time into the
    future: its address would answer a bare 404 until then, as the admin refuses too."""
    return release is not None and release.is_on_record() and parsed.published_at > timezone.now()


def matches(release, parsed):
    """Return whether the stored *release* already holds every value of *parsed*."""
    return release.category.slug == parsed.category and all(
        getattr(release, field) == getattr(parsed, field) for field in STORED_FIELDS
    )


class BatchWriter:
    """Settle each prepared file's outcome and store the winners, a batch at a time."""

    def __init__(self, recorder, preparer, *, dry_run=False, run=None, status=None):
        self.recorder = recorder
        self.preparer = preparer
        self.dry_run = dry_run
        self.run = run
        self.status = status or Release.Status.PUBLISHED
        self.claims = RecordedClaims(recorder.run) if recorder.run else MemoryClaims()
        self.categories = {}
        self.insert_releases = BulkInsert(Release, INSERTED_FIELDS)
        self.insert_revisions = BulkInsert(Release.history.model, REVISION_FIELDS)

    def write(self, batch):
        """Store *batch*, a list of (position, PreparedFile); return its FileRecords.

        Only another import storing the same releases at the same moment makes
        a batch collide (the checks in settle_batch catch everything a file can
        do): the batch is rolled back and settled again against what the other
        stored, so that a release it stored alike is "unchanged", not failed.
        """
        # Claims held in memory (a dry or all-or-nothing run) cannot be settled twice.
        attempts_left = SETTLE_ATTEMPTS if isinstance(self.claims, RecordedClaims) else 1
        while True:
            attempts_left -= 1
            writes = self.settle_batch(batch)
            try:
                return self.store_batch(writes)
            except IntegrityError:
                self.categories = {}
                if not attempts_left:
                    reason = "another import stored this release at the same moment"
                    self.fail_writes(writes, reason)
                    return self.recorder.commit()
                self.recorder.discard()
            finally:
                self.claims.end_batch()

    def store_batch(self, writes):
        if self.dry_run:
            return self.recorder.commit()
        with transaction.atomic():
            lists_change = self.store(writes)
            if writes:
                release_ids = [write.release_id for write in writes.values()]
                content_changed(release_ids, listing=lists_change)
                # Searchable on this server once stored: the import keeps its
                # server's index up as it goes (other servers catch up themselves),
                # in a thread, so that the index takes in one batch while the next
                # is stored. ReleaseImport.run catches up what is left at the end.
                transaction.on_commit(catch_up_beside, robust=True)
            return self.recorder.commit()

    def settle_batch(self, batch):
        # Each file's permalink, and the permalink its release has in this batch.
        self.permalinks = {}
        known = self.known_releases(batch)
        existing = self.existing_releases(batch)
        taken = self.taken_addresses(batch)
        self.moved = self.moved_releases(batch, existing, taken)
        self.load_claims([*known.values(), *existing.values()])
        writes = {}
        for position, prepared in batch:
            if prepared.known and prepared.source_hash in known:
                self.settle_known(position, prepared, known[prepared.source_hash], writes)
                continue
            if prepared.known:
                # Its release changed or went since the run began: read it again.
                prepared = self.preparer.prepare(prepared.path, skip_known=False)
                found = self.existing_releases([(position, prepared)])
                self.load_claims(found.values())
                existing.update(found)
            if prepared.reason:
                failure = FileRecord(position, prepared.path, Outcome.FAILED, prepared.reason)
                self.recorder.stage(failure)
                continue
            existing_release = existing.get(prepared.release.permalink)
            self.settle_parsed(position, prepared, existing_release, taken, writes)
        return writes

    def load_claims(self, releases):
        self.claims.load(
            {
                release.pk: (release.permalink, release.modified_at or release.published_at)
                for release in releases
            }
        )

    def known_releases(self, batch):
        """Return the stored releases of the batch's unchanged files, by digest."""
        hashes = [prepared.source_hash for _, prepared in batch if prepared.known]
        rows = Release.objects.filter(source_hash__in=hashes).values_list(
            "source_hash", "pk", "permalink", "published_at", "modified_at"
        )
        return {source_hash: KnownRelease(*row) for source_hash, *row in rows}

    def existing_releases(self, batch):
        """Return {permalink: Release} of the batch's files, by current or former permalink."""
        permalinks = [prepared.release.permalink for _, prepared in batch if prepared.release]
        # Not their renderings: a file that changes a release brings its own.
        stored = Release.objects.select_related("category").defer(*RENDERED_FIELDS)
        rows = stored.filter(permalink__in=permalinks)
        found = {release.permalink: release for release in rows}
        former = FormerPermalink.objects.filter(url__in=permalinks).values_list("url", "release")
        former = dict(former)
        if former:
            releases = stored.in_bulk(set(former.values()))
            found.update((url, releases[pk]) for url, pk in former.items())
        return found

    def moved_releases(self, batch, existing, taken):
        """Return {address: Release} for the batch's new files whose address is free but
        redirects to a release: one staff moved (re-categorised, re-dated, renamed)."""
        addresses = {}
        for _, prepared in batch:
            parsed = prepared.release
            if parsed is None or parsed.permalink in existing:
                continue
            address = (parsed.category, parsed.date, parsed.slug)
            if address not in taken:
                addresses[release_path(*address, kept=False)] = address
        if not addresses:
            return {}
        rows = Redirect.objects.filter(old_path__in=list(addresses)).select_related(
            "release__category"
        )
        return {addresses[row.old_path]: row.release for row in rows}

    def stored_release(self, permalink):
        """Return the stored release with *permalink*, or None if it is new in this batch."""
        stored = Release.objects.select_related("category").defer(*RENDERED_FIELDS)
        return stored.filter(permalink=permalink).first()

    def taken_addresses(self, batch):
        slugs = {prepared.release.slug for _, prepared in batch if prepared.release}
        rows = Release.objects.filter(slug__in=slugs).values_list(
            "category__slug", "date", "slug", "permalink"
        )
        return {(category, date, slug): permalink for category, date, slug, permalink in rows}

    def settle_known(self, position, prepared, release, writes):
        """An unchanged file: it holds its permalink unless a later-modified file does."""
        rank = rank_of(release, prepared.source_hash)
        displaced = self.take_claim(release.permalink, rank, position, prepared.path)
        if displaced is False:
            return
        writes.pop(release.permalink, None)
        outcome = Outcome.UNCHANGED
        if displaced and displaced.outcome == Outcome.CREATED:
            outcome = Outcome.CREATED
        self.claims[release.permalink] = Claim(rank, position, prepared.path, outcome)
        self.recorder.stage(
            FileRecord(position, prepared.path, outcome, "", release.pk, prepared.source_hash)
        )

    def settle_parsed(self, position, prepared, existing, taken, writes):
        parsed = prepared.release
        address = (parsed.category, parsed.date, parsed.slug)
        holder = taken.get(address, parsed.permalink)
        if existing is None and holder != parsed.permalink:
            # The release at this address, published again under another permalink.
            existing = self.stored_release(holder)
        elif existing is None:
            existing = self.moved.get(address)
        # The release's permalink in this batch: what its files claim in the run.
        key = existing.permalink if existing else holder
        self.permalinks[parsed.permalink] = key
        rank = rank_of(parsed, prepared.source_hash)
        if self.older_than_stored(key, parsed.permalink, existing, rank):
            reason = f"superseded by {key}, modified later"
            self.recorder.stage(FileRecord(position, prepared.path, Outcome.SUPERSEDED, reason))
            return
        if hides_a_public_release(existing, parsed):
            reason = (
                f"published_time: {parsed.published_at.isoformat()} is still to come, and "
                "this release is public: to take it off the site, withdraw it"
            )
            self.recorder.stage(FileRecord(position, prepared.path, Outcome.FAILED, reason))
            return
        displaced = self.take_claim(key, rank, position, prepared.path)
        if displaced is False:
            return
        writes.pop(key, None)
        outcome = self.outcome(existing, parsed)
        if outcome != Outcome.UNCHANGED:
            writes[key] = Write(position, prepared, existing)
            taken[address] = key
        if displaced and displaced.outcome == Outcome.CREATED:
            outcome = Outcome.CREATED
        self.claims[key] = Claim(rank, position, prepared.path, outcome)
        release_id = existing.pk if existing else None
        self.recorder.stage(
            FileRecord(position, prepared.path, outcome, "", release_id, prepared.source_hash)
        )

    def older_than_stored(self, key, permalink, existing, rank):
        """Whether a file under another permalink of the stored release *existing* is
        older than what is stored, with no other file of this run to settle it."""
        if existing is None or key == permalink or key in self.claims:
            return False
        return rank <= rank_of(existing, existing.source_hash)

    @staticmethod
    def outcome(existing, parsed):
        if existing is None:
            return Outcome.CREATED
        if matches(existing, parsed) and existing.permalink == parsed.permalink:
            return Outcome.UNCHANGED
        return Outcome.UPDATED

    def take_claim(self, permalink, rank, position, path):
        """Let the file at *position* claim *permalink* from earlier files in the run.

        Return False if an earlier file keeps it (this one is superseded), else
        the Claim it displaced, or None.
        """
        claim = self.claims.get(permalink)
        if claim is None:
            return None
        if rank <= claim.rank:
            reason = f"superseded by {claim.path}, modified later"
            self.recorder.stage(FileRecord(position, path, Outcome.SUPERSEDED, reason))
            return False
        self.recorder.supersede(claim.position, claim.outcome, by_path=path)
        return claim

    def store(self, writes):
        """Store *writes*; return whether that changes what a list shows or counts
        (a release created, or one's ``Release.LISTING_FIELDS``)."""
        now = timezone.now()
        created = [write for write in writes.values() if write.existing is None]
        updated = [write for write in writes.values() if write.existing]
        new_rows = [self.new_row(write.prepared, now) for write in created]
        self.insert_releases(new_rows)
        new_ids = self.ids_of(write.prepared.release.permalink for write in created)
        redirects, revisions = [], []
        for write, row in zip(created, new_rows, strict=True):
            write.release_id = new_ids[write.prepared.release.permalink]
            values = dict(zip(INSERTED_FIELDS, row, strict=True))
            revisions.append(self.revision(write.release_id, values, "+", now))
            if write.prepared.old_path:
                redirects.append((write.prepared.old_path, write.release_id))
        listed = listed_now(write.existing.pk for write in updated)
        lists_change = bool(created)
        for write in updated:
            release = write.existing
            old_paths = {path_of(release.permalink), release.get_absolute_url()}
            # Its permalink until now, which it keeps (its key in this batch).
            self.permalinks.setdefault(release.permalink, release.permalink)
            self.fill(release, write.prepared, now)
            lists_change = lists_change or listed_values(release) != listed.get(release.pk)
            old_paths.discard(release.get_absolute_url())
            redirects += [(path, release.pk) for path in old_paths]
            write.release_id = release.pk
            revisions.append(self.revision_of(release, now))
        Release.objects.bulk_update(
            [write.existing for write in updated], UPDATED_FIELDS, batch_size=STATEMENT_ROWS
        )
        redirects += self.keep_former_permalinks(writes)
        Redirect.objects.bulk_create(
            [Redirect(old_path=path, release_id=release_id) for path, release_id in redirects],
            ignore_conflicts=True,
        )
        self.insert_revisions(revisions)
        # The turns of every release written, as its worker read them from its new body.
        replace_turns(
            [write.release_id for write in updated],
            [
                turn.row(write.release_id, write.prepared.release.body)
                for write in writes.values()
                for turn in write.prepared.turns
            ],
        )
        for write in writes.values():
            self.recorder.staged[write.position].release_id = write.release_id
        return lists_change

    def keep_former_permalinks(self, writes):
        """Record, for each release the batch touched, every permalink of its files
        that is not its permalink now; return the (path, release id) redirects from them.

        Most batches have none: their files' permalinks are their releases' own,
        and nothing is read.
        """
        final = {key: write.prepared.release.permalink for key, write in writes.items()}
        former = {url: key for url, key in self.permalinks.items() if url != final.get(key, key)}
        moved = {key: permalink for key, permalink in final.items() if permalink != key}
        if moved:
            # A former permalink that is a release's own again is former no more.
            FormerPermalink.objects.filter(url__in=list(moved.values())).delete()
        if not former:
            return []
        owners = {key: write.release_id for key, write in writes.items()}
        unsettled = set(former.values()) - set(owners)
        owners.update(
            Release.objects.filter(permalink__in=unsettled).values_list("permalink", "pk")
        )
        releases = Release.objects.select_related("category").only("date", "slug", "category__slug")
        releases = releases.in_bulk({owners[key] for key in former.values() if key in owners})
        kept, redirects = [], []
        for url, key in former.items():
            release = releases.get(owners.get(key))
            if release is None:
                continue
            kept.append(FormerPermalink(url=url, release=release))
            path = path_of(url)
            if path != release_path(release.category.slug, release.date, release.slug, kept=False):
                redirects.append((path, release.pk))
        FormerPermalink.objects.bulk_create(kept, ignore_conflicts=True)
        return redirects

    def new_row(self, prepared, now):
        """Return the values of INSERTED_FIELDS for a new release from *prepared*."""
        parsed = prepared.release
        category_id = self.category(parsed.category).pk
        stored = [getattr(parsed, field) for field in STORED_FIELDS]
        return (
            *stored,
            parsed.permalink,
            category_id,
            prepared.source_hash,
            now,
            now,
            self.status,
            "",
            *prepared.rendering,
        )

    def revision(self, release_id, values, kind, now):
        """Return the REVISION_FIELDS of the revision this run makes of a release
        holding *values* (by field name)."""
        values = {
            "id": release_id,
            "withdrawn_at": None,
            "withdrawal_reason": "",
            "change_note": "",
            "history_date": now,
            "history_type": kind,
            "history_change_reason": f"import run {self.run.pk}",
            "import_run": self.run.pk,
            **values,
        }
        return tuple(values[field] for field in REVISION_FIELDS)

    def revision_of(self, release, now):
        """Return the revision this run makes of *release*, which it updated."""
        names = [*STORED_FIELDS, "permalink", "source_hash", "created_at", "status"]
        values = {name: getattr(release, name) for name in names}
        values["withdrawn_at"] = release.withdrawn_at
        values["withdrawal_reason"] = release.withdrawal_reason
        values["category"] = release.category_id
        return self.revision(release.pk, values, "~", now)

    def ids_of(self, permalinks):
        rows = Release.objects.filter(permalink__in=list(permalinks))
        return dict(rows.values_list("permalink", "pk"))

    def fail_writes(self, writes, reason):
        for permalink, write in writes.items():
            record = self.recorder.staged[write.position]
            record.outcome, record.reason, record.release_id = Outcome.FAILED, reason, None
            self.claims.pop(permalink, None)

    def fill(self, release, prepared, now):
        parsed = prepared.release
        release.permalink = parsed.permalink
        for field in STORED_FIELDS:
            setattr(release, field, getattr(parsed, field))
        release.category = self.category(parsed.category)
        release.source_hash = prepared.source_hash
        release.updated_at = now
        release.keep_rendering(prepared.rendering)

    def category(self, slug):
        """Return the Category for *slug*, creating it on first sight."""
        if slug not in self.categories:
            self.categories[slug], _ = Category.objects.get_or_create(
                slug=slug, defaults={"name": Category.name_for_slug(slug)}
            )
        return self.categories[slug]


def listed_values(release):
    """What a list without a search shows of *release*, or counts and orders it by."""
    return tuple(getattr(release, name) for name in Release.LISTING_FIELDS)


def listed_now(release_ids):
    """Return {id: listed_values} of the releases *release_ids* as stored now, their rows
    locked until the batch commits.

    Read in the batch's transaction, not when the batch was settled: a staff
    member's save in between (a new title) would otherwise be written over
    unnoticed, and every list would keep showing it. Locked, so that no save
    comes between this read and the batch's update; in id order, so that two
    batches locking the same releases take them in one order. (SQLite's write
    lock, taken as the transaction begins, holds off every other writer.)
    """
    rows = (
        Release.objects.select_for_update()
        .filter(pk__in=list(release_ids))
        .order_by("pk")
        .values_list("pk", *Release.LISTING_FIELDS)
    )
    return {pk: tuple(values) for pk, *values in rows}


def catch_up_beside():
    """Start catching the index up in this process's background thread, paging out
    what its merges read: an import's last merges read most of the index."""
    updating.Background.start(functools.partial(updating.catch_up, paging_out=True))

"""The briefing room's content: categories and the releases filed under them."""

import datetime
import hashlib
import os
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import Resolver404, resolve, reverse
from django.utils import formats, timezone
from simple_history.models import HistoricalRecords

from releases.addresses import address
from releases.record_dates import within_the_record
from releases.rendering import Rendering, renderer_settings
from releases.transcripts.people import People


class CategoryQuerySet(models.QuerySet):
    def on_record(self):
        """Return the categories with a release on the public record.

        A category that holds only drafts or scheduled releases stays unseen:
        its name alone could tell of an embargoed subject.
        """
        releases = Release.objects.on_record().filter(category=models.OuterRef("pk"))
        return self.filter(models.Exists(releases))


class Category(models.Model):
    """A section of the briefing room, such as Press Briefings."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return address("releases:category", category=self.slug)

    @staticmethod
    def name_for_slug(slug):
        """Return a readable name for a category slug met on import."""
        return " ".join(word.capitalize() for word in slug.split("-"))


def published_now(through=""):
    """The condition of ReleaseQuerySet.published(): published, and its time come; of
    the release reached *through* a relation (``"release__"``) where given."""
    return models.Q(
        **{
            f"{through}status": Release.Status.PUBLISHED,
            f"{through}published_at__lte": timezone.now(),
        }
    )


# The order of every list, feed and cursor: newest listing date first, then
# newest publication time, then newest id, so that no two releases tie.
NEWEST_FIRST = ("-date", "-published_at", "-id")


class ReleaseQuerySet(models.QuerySet):
    def published(self):
        """Return the releases readers see in lists: published, and their time come."""
        return self.filter(published_now())

    def on_record(self):
        """Return the releases that answer at their address: published or withdrawn.

        A withdrawn release was public, so its page stays, with a notice.
        """
        statuses = [Release.Status.PUBLISHED, Release.Status.WITHDRAWN]
        return self.filter(status__in=statuses, published_at__lte=timezone.now())

    def scheduled(self):
        """Return the releases set to be published at a time still to come."""
        return self.filter(status=Release.Status.PUBLISHED, published_at__gt=timezone.now())

    def newest_first(self):
        return self.order_by(*NEWEST_FIRST)

    def oldest_first(self):
        return self.order_by(*(field.removeprefix("-") for field in NEWEST_FIRST))

    def older_than(self, key):
        """Return the releases after *key* (a Release.sort_key()) in newest-first order."""
        return self.filter(keyset_after(key, descending=True))

    def newer_than(self, key):
        """Return the releases before *key* (a Release.sort_key()) in newest-first order."""
        return self.filter(keyset_after(key, descending=False))


def keyset_after(key, *, descending):
    """Return the Q of the rows past *key* in NEWEST_FIRST order, or in its reverse.

    One comparison of row values, (date, published_at, id) < (d, p, i), rather
    than its spelling out in terms (date < d or date = d and ...): both
    databases read it as a range of a listing index that starts at *key*, so
    that a release's previous and next are each one index entry away.
    """
    names = [field.removeprefix("-") for field in NEWEST_FIRST]
    fields = [Release._meta.get_field(name) for name in names]
    position = RowValue(*names)
    past = RowValue(*(models.Value(value, field) for value, field in zip(key, fields, strict=True)))
    lookup = models.lookups.LessThan if descending else models.lookups.GreaterThan
    return models.Q(lookup(position, past))


class RowValue(models.Func):
    """Expressions as one SQL row value, ``(a, b, c)``, to be compared as a whole."""

    template = "(%(expressions)s)"
    output_field = models.Field()


class RevisionDetails(models.Model):
    """What a revision of a release records besides the release's own values."""

    change_note = models.TextField(
        blank=True, help_text="The public note on a correction; empty for drafts and minor edits."
    )
    import_run = models.ForeignKey(
        "ImportRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The import run that saved this revision.",
    )

    class Meta:
        abstract = True


# The columns that hold a release's Rendering, in its order.
RENDERED_FIELDS = ("rendered_html", "rendered_text", "rendered_summary", "rendered_under")


class Release(models.Model):
    """One statement, briefing, speech or action, as the press office issued it."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"
        WITHDRAWN = "withdrawn"

    # What a list without a search shows of a release, or counts and orders it
    # by: a change to none of them leaves the listing version (ContentVersion).
    LISTING_FIELDS = (
        "title",
        "slug",
        "category_id",
        "date",
        "published_at",
        "modified_at",
        "permalink",
        "status",
    )

    title = models.CharField(max_length=500)
    slug = models.SlugField(max_length=255)
    # No index of its own: the address constraint and the category listing
    # index below both start with the category, and serve its lookups.
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="releases", db_index=False
    )
    date = models.DateField(
        help_text="The listing date shown to readers.", validators=[within_the_record]
    )
    published_at = models.DateTimeField(
        "published",
        default=timezone.now,
        help_text="Readers see it from this moment on.",
        validators=[within_the_record],
    )
    modified_at = models.DateTimeField(
        "modified", null=True, blank=True, validators=[within_the_record]
    )
    permalink = models.URLField(
        max_length=1000,
        unique=True,
        help_text="The release's original address; imports match on it.",
    )
    body = models.TextField(blank=True, help_text="Markdown, as written.")
    extra_front_matter = models.TextField(
        blank=True,
        editable=False,
        help_text="Front-matter keys the site does not use, as YAML.",
    )
    # The UTC offsets the source file wrote its times with, in minutes, so that
    # an export writes them back as they were; None where the file had no time.
    published_offset = models.SmallIntegerField(null=True, blank=True, editable=False)
    modified_offset = models.SmallIntegerField(null=True, blank=True, editable=False)
    source_hash = models.CharField(
        max_length=32,
        blank=True,
        db_index=True,
        editable=False,
        help_text="Digest of the file last imported, to skip it when it has not changed.",
    )
    status = models.CharField(
        max_length=10,
        choices=Status,
        default=Status.DRAFT,
        help_text="Readers see a published release from its publication time on.",
    )
    withdrawn_at = models.DateTimeField("withdrawn", null=True, blank=True, editable=False)
    withdrawal_reason = models.TextField(
        blank=True, help_text="Why it was withdrawn: readers see this at its address."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # What the body renders to (rendering.Rendering), worked out when the release is
    # saved or imported, so that no reader renders it. Read through body_html,
    # body_text and summary, which render again what other settings rendered.
    rendered_html = models.TextField(blank=True, editable=False)
    rendered_text = models.TextField(blank=True, editable=False)
    rendered_summary = models.TextField(blank=True, editable=False)
    rendered_under = models.TextField(
        blank=True, editable=False, help_text="The renderer's settings the body was rendered under."
    )

    objects = ReleaseQuerySet.as_manager()
    # A revision keeps what was written; its rendering is found again from it.
    history = HistoricalRecords(
        bases=[RevisionDetails], excluded_fields=["updated_at", *RENDERED_FIELDS]
    )

    class Meta:
        ordering = list(NEWEST_FIRST)
        get_latest_by = "published_at"
        # Lists filter on the status and read newest first: the status leads the
        # listing indexes, so that a page is read in order, never sorted.
        indexes = [
            # The category comes last: a facet counting a range of dates by
            # category then reads this index alone, not each release's row.
            models.Index(
                fields=["status", "-date", "-published_at", "-id", "category"],
                name="release_newest_idx",
            ),
            models.Index(
                fields=["category", "status", "-date", "-published_at", "-id"],
                name="release_category_newest_idx",
            ),
            # The admin lists every release, whatever its status, newest first.
            models.Index(fields=["-date", "-published_at", "-id"], name="release_dated_idx"),
            # Holds every column the lists filter and count on, so that a count
            # or a facet over many releases never reads their bodies. The
            # publication time comes last: first, it would tempt the planner to
            # read a whole list through this index and sort it.
            models.Index(
                fields=["status", "category", "date", "published_at"],
                name="release_visible_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "date", "slug"], name="release_unique_address"
            ),
        ]
        permissions = [("publish_release", "Can publish, schedule and withdraw releases")]

    def __str__(self):
        return self.title

    def save(self, *args, update_fields=None, **kwargs):
        """Save, stamping a withdrawal, rendering the body, and leaving a redirect at an
        address it moves from."""
        if self.status == self.Status.WITHDRAWN:
            self.withdrawn_at = self.withdrawn_at or timezone.now()
        else:
            self.withdrawn_at, self.withdrawal_reason = None, ""
        if update_fields is None or "body" in update_fields:
            self.render()
            if update_fields is not None:
                update_fields = {*update_fields, *RENDERED_FIELDS}
        old_path = self.stored_path()
        super().save(*args, update_fields=update_fields, **kwargs)
        Redirect.point_away(old_path, self)

    def get_absolute_url(self):
        return release_path(self.category.slug, self.date, self.slug)

    def first_published_elsewhere(self):
        """Whether the release came from a file whose permalink is on another host than
        this site. One created in the admin was first published here, whatever the
        site's address was when its permalink was made."""
        imported = bool(self.source_hash)
        return (
            imported
            and urlsplit(self.permalink).netloc != urlsplit(settings.BRIEFING_SITE_URL).netloc
        )

    def sort_key(self):
        """Return the values that place the release in NEWEST_FIRST order."""
        return self.date, self.published_at, self.pk

    def is_scheduled(self):
        """Whether the release is published for a time still to come."""
        return self.status == self.Status.PUBLISHED and self.published_at > timezone.now()

    def public_at(self, moment):
        """Whether ReleaseQuerySet.published() keeps the release at *moment*."""
        return self.status == self.Status.PUBLISHED and self.published_at <= moment

    def is_on_record(self):
        """Whether the release answers at its address, as ReleaseQuerySet.on_record() says."""
        on_record = self.status in (self.Status.PUBLISHED, self.Status.WITHDRAWN)
        return on_record and self.published_at <= timezone.now()

    def clean(self):
        if self.status == self.Status.WITHDRAWN and not self.withdrawal_reason.strip():
            raise ValidationError(
                {"withdrawal_reason": "Say why the release is withdrawn: readers see it."}
            )

    def stored_path(self):
        """Return the address the release has in the database, or None if it is new."""
        if self.pk is None:
            return None
        stored = Release.objects.filter(pk=self.pk).values_list("category__slug", "date", "slug")
        row = stored.first()
        return release_path(*row) if row else None

    def public_changes(self):
        """Return the revisions that corrected the release in public, newest first."""
        # Asked of the historical model itself: simple_history's ``self.history``
        # makes a new manager class at each use, on every render of a release page.
        revisions = self._meta.apps.get_model("releases", "HistoricalRelease").objects
        revisions = revisions.filter(id=self.pk)
        return revisions.exclude(change_note="").order_by("-history_date", "-history_id")

    def render(self):
        """Render the body as it is now into the rendered fields, without saving: a
        transcript's speakers as the people's aliases name them at its time."""
        self.keep_rendering(Rendering.of(self.body, People().at(self.published_at)))

    def keep_rendering(self, rendering):
        """Hold *rendering*, a Rendering of the body, in the rendered fields."""
        for field, value in zip(RENDERED_FIELDS, rendering, strict=True):
            setattr(self, field, value)

    def rendered(self, field):
        """Return the rendered *field* (one of RENDERED_FIELDS) as kept, or rendered again
        here if the body was rendered under other settings than this process's, or never.

        Not written back: a write from a reader's request waits for the write lock
        that an import holds. `manage.py render_releases` keeps them all at once.
        """
        if self.rendered_under != renderer_settings():
            self.render()
        return getattr(self, field)

    @property
    def body_html(self):
        """The body as HTML that is safe to put on a page."""
        return self.rendered("rendered_html")

    @property
    def body_text(self):
        """The words a reader sees in the body, as the search index reads them."""
        return self.rendered("rendered_text")

    @property
    def summary(self):
        """The body's opening words as a reader sees them, for link previews and feeds."""
        return self.rendered("rendered_summary")


def release_path(category_slug, date, slug, kept=True):
    """Return the public address of the release filed under these values, kept for
    the next call unless *kept* is false (see ``addresses``)."""
    arguments = address_arguments(category_slug, date, slug)
    return address("releases:detail", kept=kept, **arguments)


def change_path(release, revision_id):
    """Return the address of the public page of one correction to *release*."""
    arguments = address_arguments(release.category.slug, release.date, release.slug)
    return reverse("releases:change", kwargs={**arguments, "revision": revision_id})


def address_arguments(category_slug, date, slug):
    return {
        "category": category_slug,
        "year": date.year,
        "month": date.month,
        "day": date.day,
        "slug": slug,
    }


def release_at(path):
    """Return the release whose address is *path*, or None."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name != "releases:detail":
        return None
    kwargs = match.kwargs
    try:
        date = datetime.date(kwargs["year"], kwargs["month"], kwargs["day"])
    except ValueError:
        return None
    return Release.objects.filter(
        category__slug=kwargs["category"], date=date, slug=kwargs["slug"]
    ).first()


class FormerPermalink(models.Model):
    """A permalink the release was published under before its current one.

    Archives move (whitehouse.gov's releases of 2021 to 2025 now live on an
    archive host) and slugs get fixed: a file under any permalink a release
    ever had is that release, and imports match it.
    """

    url = models.URLField(max_length=1000, unique=True)
    release = models.ForeignKey(
        "Release", on_delete=models.CASCADE, related_name="former_permalinks"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["url"]

    def __str__(self):
        return self.url


class Redirect(models.Model):
    """An old address of a release, answered with a permanent redirect to its page."""

    old_path = models.CharField(max_length=1000, unique=True)
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_path"]

    def __str__(self):
        return f"{self.old_path} → {self.release}"

    def clean(self):
        if self.release_id and self.old_path == self.release.get_absolute_url():
            raise ValidationError({"old_path": "This is the release's own address: it would loop."})
        if release_at(self.old_path) is not None:
            raise ValidationError({"old_path": "A release lives at this address."})

    @classmethod
    def point_away(cls, old_path, release):
        """Send *old_path* to *release*, which moved from it; its new address redirects nowhere.

        Redirects name the release, not a path, so chains collapse by
        themselves; removing the one at the release's own address prevents a loop.
        """
        new_path = release.get_absolute_url()
        if old_path and old_path != new_path:
            cls.objects.update_or_create(old_path=old_path, defaults={"release": release})
        cls.objects.filter(old_path=new_path).delete()


# A run on another host that has stored no batch for this long is taken as gone.
SILENT_RUN_SECONDS = 10 * 60


class ImportRunQuerySet(models.QuerySet):
    def settle_abandoned(self):
        """Mark as interrupted the runs still "running" whose process is gone, killed
        before it could say so, with the counts of the files they stored."""
        for run in self.filter(status=ImportRun.Status.RUNNING):
            if run.process_gone():
                run.mark_interrupted()


class ImportRun(models.Model):
    """One run of the importer: who started it, with what options, and how it went."""

    class Status(models.TextChoices):
        RUNNING = "running"
        FINISHED = "finished"
        INTERRUPTED = "interrupted"
        ROLLED_BACK = "rolled back"
        UNDONE = "undone"

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.CharField(max_length=200, help_text="The command line or the user.")
    options = models.JSONField(default=dict)
    status = models.CharField(max_length=20, choices=Status, default=Status.RUNNING)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    superseded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    process = models.CharField(
        max_length=300, blank=True, editable=False, help_text="The host and process id running it."
    )
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When it last stored a batch."
    )

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        get_latest_by = "started_at"
        # Runs are written by the importer alone: staff upload files and undo runs.
        permissions = [
            ("upload_release_files", "Can upload release files to import"),
            ("undo_importrun", "Can undo import runs"),
        ]

    def __str__(self):
        return f"Import of {local_time(self.started_at)} by {self.started_by}"

    def process_gone(self):
        """Whether the process that ran it has ended: asked directly on its own host,
        judged by its silence elsewhere."""
        host, _, pid = self.process.rpartition(":")
        if host == socket.gethostname() and pid.isdigit():
            return not process_alive(int(pid))
        last_sign = self.heartbeat_at or self.started_at
        return (timezone.now() - last_sign).total_seconds() > SILENT_RUN_SECONDS

    def mark_interrupted(self):
        """Record the run as interrupted, counting the files it stored before it stopped."""
        counts = dict(self.files.values_list("outcome").annotate(count=models.Count("pk")))
        for outcome in ImportedFile.Outcome:
            setattr(self, outcome.value, counts.get(outcome.value, 0))
        self.status = self.Status.INTERRUPTED
        self.finished_at = self.heartbeat_at or timezone.now()
        self.save()


def local_time(moment):
    """Return *moment* in the press office's time zone, written as the admin writes times."""
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def process_alive(pid):
    """Whether a process with id *pid* runs on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True


def this_process():
    """Return "host:pid" of this process, as ImportRun.process records it."""
    return f"{socket.gethostname()}:{os.getpid()}"


class ImportedFile(models.Model):
    """What one import run did with one file."""

    class Outcome(models.TextChoices):
        """Each file's outcome; an import's summary counts them in this order."""

        CREATED = "created"
        UPDATED = "updated"
        UNCHANGED = "unchanged"
        SUPERSEDED = "superseded"
        FAILED = "failed"

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveIntegerField(help_text="The file's place in the run.")
    path = models.TextField()
    outcome = models.CharField(max_length=20, choices=Outcome)
    reason = models.TextField(blank=True)
    release = models.ForeignKey(
        Release, on_delete=models.SET_NULL, null=True, blank=True, related_name="imports"
    )
    source_hash = models.CharField(
        max_length=32, blank=True, help_text="Digest of the file as this run read it."
    )

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="imported_file_position"),
        ]
        indexes = [models.Index(fields=["run", "outcome"], name="imported_file_outcome_idx")]

    def __str__(self):
        return f"{self.outcome}: {self.path}"


class StagedUpload(models.Model):
    """Release files uploaded in the admin, held until staff confirm their import."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    name = models.CharField(max_length=255, help_text="What was uploaded, as staff named it.")
    archive = models.BinaryField(help_text="The uploaded files, as one zip archive.")

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.name}, uploaded {local_time(self.uploaded_at)}"


class ContentVersion(models.Model):
    """One row: a token that changes whenever anything readers see changes.

    Cached pages carry it (``releases/caching/``), so a save anywhere, in the
    admin or by an import, makes every cached page out of date at once for
    every app server. *next_publication* is the time the next scheduled
    release goes live, when the token must change too. *superseded* records
    when each recent token was replaced, for how long its pages may still be
    served, and the search journal's last entry as of it, for the searches an
    index still catching up answers (``releases/caching/freshness.py``).
    *listing* changes only with what a list of releases shows and counts (a
    release's title, address, dates, category or status; a release created or
    deleted): a list without a search is kept under it, and stays current
    while an import corrects bodies alone.
    """

    token = models.CharField(max_length=32)
    listing = models.CharField(
        max_length=40,
        blank=True,
        default="",
        help_text=(
            "The token of what lists show, then the token it was last kept for: a change "
            "made by a server that does not move it moves it too."
        ),
    )
    next_publication = models.DateTimeField(null=True, blank=True)
    superseded = models.TextField(
        blank=True,
        default="",
        help_text=(
            "JSON: each recent token, when it was replaced, and the last search journal "
            "entry it held."
        ),
    )

    def __str__(self):
        return self.token


class SearchJournalEntry(models.Model):
    """A change a search could see: the release whose entry every search index must
    write again, or remove if the release is gone.

    Appended in the transaction that makes the change (``releases/search/journal.py``),
    so entries follow one another in the order the changes committed; each search
    index records the last entry it holds. Not a foreign key: a deleted release's
    entry says that its index entry must go.
    """

    release_id = models.BigIntegerField()

    class Meta:
        verbose_name_plural = "search journal entries"

    def __str__(self):
        return f"Entry {self.pk}: release {self.release_id}"


class Subscription(models.Model):
    """A reader's email alert for one list: its category and its search and filters.

    It mails nothing until the reader follows the link in the confirmation
    email (double opt-in); the token in its links is its only key.
    """

    email = models.EmailField()
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions"
    )
    # Text, not a bounded column: each filter is bounded, and a search in a
    # non-Latin script takes nine characters a letter once encoded.
    query = models.TextField(
        blank=True, help_text="The list's search and filters, as a query string."
    )
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email}: {self.list_path()}"

    def list_path(self):
        """The list this subscription follows, as a path and query string."""
        path = self.category.get_absolute_url() if self.category else reverse("releases:list")
        return f"{path}?{self.query}" if self.query else path


class StoppedSubscription(models.Model):
    """A subscription that has ended, kept so that its old links can say so.

    Only a digest of its token is kept: it matches a link its reader still
    holds and tells nothing else, neither the address nor the list.
    """

    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    stopped_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self):
        return f"Subscription stopped on {self.stopped_at:%Y-%m-%d}"

    @staticmethod
    def digest(token):
        """Return the digest kept for *token*."""
        return hashlib.sha256(token.encode()).hexdigest()


class Alert(models.Model):
    """A release mailed to a subscription: each release is mailed to each subscriber once."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="alerts")
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="alerts")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscription", "release"], name="alert_once"),
        ]

    def __str__(self):
        return f"{self.release} to {self.subscription.email}"

"""The briefing room's content: categories and the releases filed under them."""

from django.db import models
from django.urls import reverse
from django.utils import timezone

from releases.rendering import cached_render


class Category(models.Model):
    """A section of the briefing room, such as Press Briefings."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("releases:category", kwargs={"category": self.slug})

    @staticmethod
    def name_for_slug(slug):
        """Return a readable name for a category slug met on import."""
        return " ".join(word.capitalize() for word in slug.split("-"))


class ReleaseQuerySet(models.QuerySet):
    def published(self):
        """Return the releases a reader may see: those whose time has come."""
        return self.filter(published_at__lte=timezone.now())


class Release(models.Model):
    """One statement, briefing, speech or action, as the press office issued it."""

    title = models.CharField(max_length=500)
    slug = models.SlugField(max_length=255)
    # No index of its own: the address constraint and the category listing
    # index below both start with the category, and serve its lookups.
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="releases", db_index=False
    )
    date = models.DateField(help_text="The listing date shown to readers.")
    published_at = models.DateTimeField("published")
    modified_at = models.DateTimeField("modified", null=True, blank=True)
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-published_at", "-id"]
        get_latest_by = "published_at"
        indexes = [
            models.Index(fields=["-date", "-published_at", "-id"], name="release_newest_idx"),
            models.Index(
                fields=["category", "-date", "-published_at", "-id"],
                name="release_category_newest_idx",
            ),
            # Holds every column the lists filter and count on, so that a count
            # or a facet over many releases never reads their bodies.
            models.Index(fields=["published_at", "category", "date"], name="release_visible_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "date", "slug"], name="release_unique_address"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return release_path(self.category.slug, self.date, self.slug)

    @property
    def body_html(self):
        """The body as HTML that is safe to put on a page."""
        return cached_render(self.body)


def release_path(category_slug, date, slug):
    """Return the public address of the release filed under these values."""
    return reverse(
        "releases:detail",
        kwargs={
            "category": category_slug,
            "year": date.year,
            "month": date.month,
            "day": date.day,
            "slug": slug,
        },
    )


class Redirect(models.Model):
    """An old address of a release, answered with a permanent redirect to its page."""

    old_path = models.CharField(max_length=1000, unique=True)
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_path"]

    def __str__(self):
        return f"{self.old_path} → {self.release}"


class ImportRun(models.Model):
    """One run of the importer: who started it, with what options, and how it went."""

    class Status(models.TextChoices):
        RUNNING = "running"
        FINISHED = "finished"
        INTERRUPTED = "interrupted"
        ROLLED_BACK = "rolled back"

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

    class Meta:
        ordering = ["-started_at", "-id"]
        get_latest_by = "started_at"

    def __str__(self):
        return f"Import of {self.started_at:%Y-%m-%d %H:%M} by {self.started_by}"


class ImportedFile(models.Model):
    """What one import run did with one file."""

    class Outcome(models.TextChoices):
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


class FullTextIndexField(models.TextField):
    """The hidden column of an SQLite FTS5 table that bears the table's name."""


@FullTextIndexField.register_lookup
class Match(models.Lookup):
    """``document__match=expression``: an FTS5 full-text query."""

    lookup_name = "match"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


class SearchEntry(models.Model):
    """A release's entry in SQLite's full-text index, which triggers keep in step.

    Only the SQLite search joins it; on PostgreSQL the index is a column of
    the release table and this table does not exist.
    """

    release = models.OneToOneField(
        Release,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_column="rowid",
        related_name="search_entry",
    )
    document = FullTextIndexField(db_column="release_search")

    class Meta:
        managed = False
        db_table = "release_search"

    def __str__(self):
        return f"Search entry of release {self.release_id}"


class Subscription(models.Model):
    """A reader's email alert for one list: its category and its search and filters.

    It mails nothing until the reader follows the link in the confirmation
    email (double opt-in); the token in its links is its only key.
    """

    email = models.EmailField()
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions"
    )
    query = models.CharField(
        max_length=1000, blank=True, help_text="The list's search and filters, as a query string."
    )
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email}: {self.list_path()}"

    def list_path(self):
        """The list this subscription follows, as a path and query string."""
        path = self.category.get_absolute_url() if self.category else reverse("releases:list")
        return f"{path}?{self.query}" if self.query else path


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

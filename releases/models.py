"""The briefing room's content: categories and the releases filed under them."""

from django.db import models
from django.urls import reverse
from django.utils import timezone

from releases.rendering import render_body


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
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="releases")
    date = models.DateField(help_text="The listing date shown to readers.")
    published_at = models.DateTimeField("published")
    modified_at = models.DateTimeField("modified", null=True, blank=True)
    permalink = models.URLField(
        max_length=1000,
        unique=True,
        help_text="The release's original address; imports match on it.",
    )
    body = models.TextField(blank=True, help_text="Markdown, as written.")
    body_html = models.TextField(editable=False)
    extra_front_matter = models.TextField(
        blank=True,
        editable=False,
        help_text="Front-matter keys the site does not use, as YAML.",
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
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "date", "slug"], name="release_unique_address"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body_html = render_body(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse(
            "releases:detail",
            kwargs={
                "category": self.category.slug,
                "year": self.date.year,
                "month": self.date.month,
                "day": self.date.day,
                "slug": self.slug,
            },
        )

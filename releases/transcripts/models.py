"""People who speak in the archive, the labels they are printed under, and their turns."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from releases.transcripts.labels import is_anonymous, normalized


class Person(models.Model):
    """Someone the archive's transcripts name: a President, a press secretary, a guest."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, help_text="Their page's address.")
    role = models.CharField(
        max_length=200, blank=True, help_text="What readers know them as: “Press Secretary”."
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # A slug someone gave up, taken again, is this person's from now on.
        FormerSlug.objects.filter(slug=self.slug).delete()

    def get_absolute_url(self):
        return reverse("releases:speaker", kwargs={"slug": self.slug})


class FormerSlug(models.Model):
    """A slug a person's page had before their slug changed or they were merged into
    another: it leads to the person who holds it now, through any number of merges."""

    slug = models.SlugField(max_length=200, unique=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="former_slugs")

    def __str__(self):
        return self.slug

    @classmethod
    def holder(cls, slug):
        """Return the person whose page had the slug *slug* before, or None."""
        former = cls.objects.select_related("person").filter(slug=slug).first()
        return former.person if former else None


class Alias(models.Model):
    """A label a person is printed under, perhaps only for a time: ``THE PRESIDENT``
    names whoever held the office when the release was published."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    label = models.CharField(max_length=100, help_text="As printed: MS. PSAKI, THE PRESIDENT.")
    key = models.CharField(max_length=100, editable=False, db_index=True)
    starts_at = models.DateTimeField(
        null=True, blank=True, help_text="For a role: when they took it. Empty: always."
    )
    ends_at = models.DateTimeField(
        null=True, blank=True, help_text="For a role: when they left it. Empty: still."
    )

    class Meta:
        verbose_name_plural = "aliases"
        ordering = ["key", "starts_at"]

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        self.key = normalized(self.label)
        super().save(*args, **kwargs)

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "A term ends after it starts."})
        longest = Alias._meta.get_field("key").max_length
        if len(normalized(self.label)) > longest:
            # Some letters grow in capitals: "ß" is "SS".
            too_long = f"is too long once in capitals (at most {longest} characters)"
            raise ValidationError({"label": f"“{self.label}” {too_long}."})
        if is_anonymous(self.label):
            raise ValidationError(
                {"label": f"“{self.label}” is a reporter or a role that names no one."}
            )
        if holder := self.held_by_another():
            raise ValidationError(
                {"label": f"“{self.label}” already names {holder} for part of this term."}
            )

    def held_by_another(self):
        """Return the other person this label names for some of this alias's term, if any:
        a label names one person at a time."""
        others = Alias.objects.filter(key=normalized(self.label)).exclude(pk=self.pk)
        if self.person_id:
            others = others.exclude(person_id=self.person_id)
        for other in others.select_related("person"):
            if overlapping((self.starts_at, self.ends_at), (other.starts_at, other.ends_at)):
                return other.person
        return None

    def covers(self, moment):
        """Whether the label names this person at *moment*."""
        return (self.starts_at is None or self.starts_at <= moment) and (
            self.ends_at is None or moment < self.ends_at
        )


def overlapping(first, second):
    """Whether two terms (start, end; None for open) share a moment."""
    (first_start, first_end), (second_start, second_end) = first, second
    return (first_end is None or second_start is None or second_start < first_end) and (
        second_end is None or first_start is None or first_start < second_end
    )


class Turn(models.Model):
    """What one speaker said at one point of a release: derived from its body."""

    # Neither key has an index of its own: the unique (release, position) and
    # turn_person_idx (person, release) lead with them, and each index more is
    # written for every turn an import stores.
    release = models.ForeignKey(
        "releases.Release", on_delete=models.CASCADE, related_name="turns", db_index=False
    )
    position = models.PositiveIntegerField()
    label = models.CharField(max_length=100, help_text="The speaker as printed.")
    key = models.CharField(max_length=100, db_index=True)
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="turns",
        db_index=False,
    )
    text = models.TextField()

    class Meta:
        ordering = ["release", "position"]
        constraints = [
            models.UniqueConstraint(fields=["release", "position"], name="turn_unique_position")
        ]
        indexes = [models.Index(fields=["person", "release"], name="turn_person_idx")]

    def __str__(self):
        return f"{self.label} ({self.anchor})"

    @property
    def anchor(self):
        """The fragment that links to this turn, the same for the same text."""
        return f"t{self.position}"

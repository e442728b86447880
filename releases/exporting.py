"""Write releases back out as files, in the archive's exact format.

A release imported from a file in the archive's format exports to the same
bytes, so an archive can go through the site and come back unchanged. The
work behind ``manage.py export_releases``, and behind a release page's Markdown
format, which is its file with a withdrawn release's notice atop the body.
"""

import datetime
from pathlib import Path

import yaml
from django.utils import timezone
from django.utils.formats import date_format

from releases.importing.parsing import start_of_day

MINUTE = datetime.timedelta(minutes=1)
# The last words of a withdrawn release's notice, as its page (release_detail.html) ends it.
KEPT_FOR_THE_RECORD = "This release is kept here as it was published, for the record."


def release_front_matter(release):
    """Return the front-matter mapping of *release*, as its source file held it."""
    # The keys the site did not use come first, so that the ones it did use
    # (and may have been edited since) win should a name ever appear in both.
    fields = load_extra_front_matter(release.extra_front_matter)
    fields.update(
        category=release.category.slug,
        # A string, as the archive writes it: a date object would lose its quotes.
        date=release.date.isoformat(),
        permalink=release.permalink,
        title=release.title,
    )
    if release.published_offset is not None:
        fields["published_time"] = in_offset(release.published_at, release.published_offset)
    elif release.published_at != start_of_day(release.date):
        # Published from the admin, not read from a file: its time is written in
        # the press office's offset at that moment, or a file read back would put
        # it at the start of its date.
        office_offset = timezone.localtime(release.published_at).utcoffset()
        fields["published_time"] = in_offset(release.published_at, office_offset // MINUTE)
    if release.modified_at is not None:
        # A release edited in the admin has a modified time but no offset of
        # its own; it is written in the offset its publication was.
        offset = release.modified_offset
        if offset is None:
            offset = release.published_offset or 0
        fields["modified_time"] = in_offset(release.modified_at, offset)
    return fields


def load_extra_front_matter(text):
    """Return the mapping stored in a release's extra_front_matter (empty if none)."""
    if not text:
        return {}
    return yaml.safe_load(text) or {}


def in_offset(instant, minutes):
    """Return *instant* at the fixed UTC offset of *minutes*, as the file wrote it."""
    # A fixed offset rather than a named zone: PyYAML writes it as -04:00.
    return instant.astimezone(datetime.timezone(datetime.timedelta(minutes=minutes)))


def dump_front_matter(fields):
    """Return *fields* as YAML in the archive's style: sorted keys, escaped unicode."""
    # The pure-Python dumper, not CSafeDumper: libyaml folds long lines at
    # other places, and the archive was written by this one.
    return yaml.dump(fields, Dumper=yaml.SafeDumper, default_flow_style=False, allow_unicode=False)


def release_text(release, notice=""):
    """Return the text of *release*'s file: front matter between '---' lines, then body
    (after *notice*, where one is given)."""
    return f"---\n{dump_front_matter(release_front_matter(release))}---\n{notice}{release.body}"


def withdrawal_notice(release):
    """Return the Markdown quote telling a reader when and why *release* was withdrawn,
    as its page does, or "" for a release that was not."""
    if release.status != release.Status.WITHDRAWN:
        return ""
    withdrawn_on = date_format(timezone.localtime(release.withdrawn_at), "F j, Y")
    lines = [
        f"**Withdrawn on {withdrawn_on}.**",
        "",
        *release.withdrawal_reason.strip().splitlines(),
        "",
        KEPT_FOR_THE_RECORD,
    ]
    # A blank line after it: the body's first paragraph is not the quote's.
    return "".join(f"> {line}".rstrip() + "\n" for line in lines) + "\n"


def export_path(release):
    """Return where *release* goes under an export: category/yyyy-mm/yyyy-mm-dd-slug.md.

    The archive's own layout; category, date and slug are unique together, so
    no two releases share a path.
    """
    date = release.date
    return Path(release.category.slug, f"{date:%Y-%m}", f"{date:%Y-%m-%d}-{release.slug}.md")


def export_releases(queryset, directory):
    """Write a file for each release of *queryset* under *directory*; return how many."""
    directory = Path(directory)
    made = set()
    count = 0
    # Streamed in chunks, so that memory stays flat however many releases there are.
    releases = queryset.select_related("category").iterator(chunk_size=500)
    for release in releases:
        path = directory / export_path(release)
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        # Bytes, not text mode: no newline translation may touch the body.
        path.write_bytes(release_text(release).encode("utf-8"))
        count += 1
    return count

"""Parse one release file: bytes in, a validated release or a one-line reason out.

Nothing here touches the database, so the import command, the tests and any
other caller share the same rules.
"""

import dataclasses
import datetime
import re
from urllib.parse import unquote, urlsplit

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

from releases.importing.errors import ReleaseError
from releases.importing.front_matter import load_front_matter, split_front_matter
from releases.importing.key_names import KNOWN_KEYS, read_keys
from releases.record_dates import out_of_record

MAX_RELEASE_BYTES = 2 * 1024 * 1024
MAX_TITLE_LENGTH = 500
MAX_PERMALINK_LENGTH = 1000
MAX_SLUG_LENGTH = 255
MAX_CATEGORY_LENGTH = 100

# Part of every source digest: raise it when a change here could read an
# unchanged file differently, so the next import parses every file again.
PARSER_VERSION = 1
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
SLUG_PATTERN = re.compile(r"[-a-zA-Z0-9_]+")
# C0 controls and DEL, and lone surrogates (YAML escapes can produce them):
# neither belongs in a title or an address, and PostgreSQL refuses NUL.
FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
is_http_url = URLValidator(schemes=["http", "https"])


@dataclasses.dataclass(frozen=True)
class ParsedRelease:
    """A release file's validated values, ready to be stored."""

    title: str
    category: str
    date: datetime.date
    published_at: datetime.datetime
    modified_at: datetime.datetime | None
    permalink: str
    slug: str
    body: str
    extra_front_matter: str
    published_offset: int | None = None
    modified_offset: int | None = None
    # The front-matter keys read as fields, as (key, field) pairs.
    keys_read_as: tuple = ()


def parse_release(data, key_map=None):
    """Return the ParsedRelease in file contents *data* (bytes).

    *key_map* renames front-matter keys first, such as ``{"headline": "title"}``;
    today's archive's ``tags`` and ``source_url`` are read as category and
    permalink by themselves. Raise ReleaseError with a one-line reason if it
    cannot be a release.
    """
    front_matter, body = split_front_matter(decode(data))
    fields = load_front_matter(front_matter)
    keys_read_as = read_keys(fields, key_map or {})
    try:
        return release_of(fields, body, keys_read_as)
    except ReleaseError as error:
        raise named_as_written(error, keys_read_as) from None


def named_as_written(error, keys_read_as):
    """Return *error* naming the key the file gave, where a field was read from another
    (``tags (read as category): ...``)."""
    reason = str(error)
    for source, target in keys_read_as:
        if reason.startswith(f"{target}:"):
            return ReleaseError(f"{source} (read as {target}){reason[len(target) :]}")
    return error


def release_of(fields, body, keys_read_as):
    """Return the ParsedRelease of the front matter *fields*, renamed, and *body*."""
    published = optional_instant(fields, "published_time")
    modified = optional_instant(fields, "modified_time")
    date = optional_date(fields, "date")
    if date is None and published is None:
        raise ReleaseError("date: missing, and there is no published_time either")
    permalink = required_permalink(fields)
    title = required_title(fields)
    for key, value in (("date", date), ("published_time", published), ("modified_time", modified)):
        if value is not None and (reason := out_of_record(value)):
            raise ReleaseError(f"{key}: {reason}")
    return ParsedRelease(
        title=title,
        category=required_category(fields),
        date=date or published.date(),
        published_at=in_utc(published or start_of_day(date)),
        modified_at=in_utc(modified),
        permalink=permalink,
        slug=slug_for(permalink, title),
        body=body,
        extra_front_matter=dump_extra_keys(fields),
        published_offset=offset_minutes(published),
        modified_offset=offset_minutes(modified),
        keys_read_as=keys_read_as,
    )


def decode(data):
    """Return *data* as text with LF line endings; refuse what is not UTF-8 text."""
    check_size(len(data))
    if b"\0" in data:
        raise ReleaseError("binary content (NUL bytes): not a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReleaseError(
            f"not UTF-8: invalid byte 0x{data[exc.start]:02x} at offset {exc.start}"
        ) from None
    return text.replace("\r\n", "\n")


def check_size(size):
    """Refuse a file of *size* bytes if it is over the limit."""
    if size > MAX_RELEASE_BYTES:
        raise ReleaseError(f"file is larger than the {MAX_RELEASE_BYTES:,} byte limit")


def checked_text(key, value, max_length):
    """Return *value* if it is usable text for *key*, else raise ReleaseError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ReleaseError(f"{key}: missing or empty")
    if not isinstance(value, str):
        raise ReleaseError(f"{key}: expected text, found {type(value).__name__}")
    if FORBIDDEN_CHARACTERS.search(value):
        raise ReleaseError(f"{key}: contains control or invalid characters")
    if len(value) > max_length:
        raise ReleaseError(f"{key}: longer than {max_length} characters")
    return value


def required_title(fields):
    return checked_text("title", fields.get("title"), MAX_TITLE_LENGTH)


def required_category(fields):
    """Return the category's slug: 'Press Briefings' and 'press-briefings' agree.

    A list (as some exports write ``tags``) gives its first entry.
    """
    value = fields.get("category")
    if isinstance(value, list) and value:
        value = value[0]
    value = checked_text("category", value, MAX_CATEGORY_LENGTH)
    slug = slugify(value)
    if not slug:
        raise ReleaseError(f"category: {value!r} has no letters or digits")
    return slug


def required_permalink(fields):
    value = checked_text("permalink", fields.get("permalink"), MAX_PERMALINK_LENGTH)
    try:
        is_http_url(value)
    except ValidationError:
        raise ReleaseError(f"permalink: {value!r} is not an http(s) URL") from None
    return value


def optional_date(fields, key):
    """Return the date under *key*, None if absent; a 'YYYY-MM-DD' string or a date."""
    value = fields.get(key)
    if value is None or isinstance(value, datetime.date):
        return value.date() if isinstance(value, datetime.datetime) else value
    if isinstance(value, str) and DATE_PATTERN.fullmatch(value.strip()):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ReleaseError(f"{key}: {value!r} is not a date (expected YYYY-MM-DD)")


def optional_instant(fields, key):
    """Return the aware datetime under *key*, None if absent.

    Times without an offset, and bare dates, are read in the press office's
    time zone (the TIME_ZONE setting).
    """
    value = fields.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_timestamp(key, value)
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, datetime.date):
        return start_of_day(value)
    raise ReleaseError(f"{key}: {value!r} is not a timestamp")


def parse_timestamp(key, value):
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise ReleaseError(
            f"{key}: {value!r} is not a timestamp (expected YYYY-MM-DD HH:MM:SS+HH:MM)"
        )
    return parsed


def start_of_day(date):
    """Return midnight at the start of *date* in the press office's time zone."""
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time()))


def offset_minutes(instant):
    """Return the UTC offset *instant* was written with, in minutes."""
    if instant is None:
        return None
    return round(instant.utcoffset().total_seconds() / 60)


def in_utc(instant):
    """Return *instant* in UTC (None stays None): one of the record's years, which UTC
    always holds."""
    return None if instant is None else instant.astimezone(datetime.UTC)


def slug_for(permalink, title):
    """Return the release's slug: the permalink's last path segment if it is one."""
    segments = [segment for segment in urlsplit(permalink).path.split("/") if segment]
    candidate = unquote(segments[-1]) if segments else ""
    if not SLUG_PATTERN.fullmatch(candidate):
        candidate = slugify(candidate) or slugify(title) or "release"
    if len(candidate) > MAX_SLUG_LENGTH:
        raise ReleaseError(f"permalink: its slug is longer than {MAX_SLUG_LENGTH} characters")
    return candidate


def dump_extra_keys(fields):
    """Return the keys the site does not use as YAML, so that nothing is lost."""
    extra = {key: value for key, value in fields.items() if key not in KNOWN_KEYS}
    if not extra:
        return ""
    return yaml.safe_dump(extra, allow_unicode=True, sort_keys=False)

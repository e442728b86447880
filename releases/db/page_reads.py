"""Reads that every first render of a page repeats, written once in SQL.

Django builds a query afresh for each use: for twenty rows read by id it took
about 0.4 ms to compile the query and as long again to make the instances, where
the database answered in 0.1 ms. These reads are fixed in shape, so their SQL
is written here. Most run through ``raw()``, which still makes the models (with
the columns not read deferred) and converts the values as the ORM does; a list's
page, read most, makes plain rows (``ListedRelease``) with the ORM's converters. Their
conditions are those of ``ReleaseQuerySet.published()`` and ``on_record()``, and
their order ``NEWEST_FIRST``; the tests compare each read with its ORM spelling.
"""

import dataclasses
import datetime
import functools

from django.db import connection
from django.utils import timezone

from releases.models import Category, Release, release_path

# What a release's neighbour shows: its title and address.
NEIGHBOUR_FIELDS = ("id", "title", "slug", "date", "published_at", "category")
# The statuses of a release that answers at its address (ReleaseQuerySet.on_record).
ON_RECORD = (Release.Status.PUBLISHED, Release.Status.WITHDRAWN)


def column(name, model=Release, qualified=False):
    """Return the quoted column of *model*'s field *name*, after its table's name
    where *qualified*."""
    quote = connection.ops.quote_name
    quoted = quote(model._meta.get_field(name).column)
    return f"{quote(model._meta.db_table)}.{quoted}" if qualified else quoted


def columns(fields, qualified=False):
    """Return the quoted columns of Release's *fields*, joined by commas."""
    return ", ".join(column(name, qualified=qualified) for name in fields)


def adapted_now():
    """Return the time now as the database compares it with a stored time."""
    return connection.ops.adapt_datetimefield_value(timezone.now())


def releases_by_id(ids, fields):
    """Return {id: Release} for those of *ids* that exist, with *fields* read and the
    rest deferred."""
    if not ids:
        return {}
    table = connection.ops.quote_name(Release._meta.db_table)
    placeholders = ", ".join(["%s"] * len(ids))
    sql = f"SELECT {columns(('id', *fields))} FROM {table} WHERE {column('id')} IN ({placeholders})"
    return {release.pk: release for release in Release.objects.raw(sql, list(ids))}


@dataclasses.dataclass(slots=True)
class ListedRelease:
    """A public release as a page of a list shows it: its title, address and date.

    Read without a model instance: making twenty instances (their deferred
    fields, their state) took five times as long as the query itself. A search
    gives each its matches marked (``title_html``, ``snippet_html``,
    ``snippet_anchor``), from its body's ``opening``.
    """

    pk: int
    title: str
    slug: str
    date: datetime.date
    category_id: int
    opening: str = ""
    category: Category | None = None
    title_html: str | None = None
    snippet_html: str = ""
    snippet_anchor: str = ""

    def get_absolute_url(self):
        return release_path(self.category.slug, self.date, self.slug)


# The fields of ListedRelease read from each row, in its order.
LISTED_FIELDS = ("id", "title", "slug", "date", "category")


def listed_releases(ids, opening=0):
    """Return {id: ListedRelease} for the public releases among *ids*; with
    *opening*, the first that many characters of each body too, as its ``opening``."""
    if not ids:
        return {}
    params = [Release.Status.PUBLISHED, adapted_now(), *([opening] if opening else []), *ids]
    with connection.cursor() as cursor:
        cursor.execute(listed_sql(connection.vendor, len(ids), bool(opening)), params)
        rows = cursor.fetchall()
    shown = len(LISTED_FIELDS)
    listed = (listed_release(row[:shown], *row[shown + 1 :]) for row in rows if row[shown])
    return {release.pk: release for release in listed}


def listed_release(row, *rest):
    """Return the ListedRelease of *row*, the values of LISTED_FIELDS as read, converted
    as the ORM converts them, followed by the *rest* of its fields."""
    converters = listed_converters(connection.ops)
    values = (convert(value) for convert, value in zip(converters, row, strict=True))
    return ListedRelease(*values, *rest)


@functools.lru_cache(maxsize=64)
def listed_sql(vendor, count, opening):
    """Return the SQL of listed_releases() for *count* ids on a *vendor*'s database: its
    parameters are the published status, the time now, with *opening* the length
    of the opening, then the ids."""
    table = connection.ops.quote_name(Release._meta.db_table)
    # Whether each is public is worked out with its row, not asked in the WHERE:
    # given the status and time there, the database may walk a whole index of
    # them looking for these few rows.
    public = f"{column('status')} = %s AND {column('published_at')} <= %s"
    selected = f"{columns(LISTED_FIELDS)}, {public}"
    if opening:
        selected += f", substr({column('body')}, 1, %s)"
    placeholders = ", ".join(["%s"] * count)
    return f"SELECT {selected} FROM {table} WHERE {column('id')} IN ({placeholders})"


@functools.lru_cache(maxsize=16)
def listed_converters(ops):
    """Return, for each of LISTED_FIELDS, a function that turns the value read by the
    connection whose operations are *ops* into the field's Python value, as the ORM
    does (on SQLite, a date comes as text). Kept per connection: finding them cost
    a third of the read."""
    return [converter(Release._meta.get_field(name), ops.connection) for name in LISTED_FIELDS]


def converter(field, database):
    expression = field.get_col(Release._meta.db_table)
    steps = database.ops.get_db_converters(expression) + field.get_db_converters(database)

    def convert(value):
        for step in steps:
            value = step(value, expression, database)
        return value

    return convert


def listed_ids(criteria, start, stop):
    """Return the ids of the public releases from *start* to *stop*, newest first, of
    a list narrowed by *criteria*'s categories and dates (not a search, nor a
    speaker's: the index answers those)."""
    if criteria.categories == ():
        return []
    sql, params = window_sql(criteria)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, stop - start, start])
        return [row[0] for row in cursor.fetchall()]


def listed_window(criteria, start, stop):
    """Return the public releases from *start* to *stop* of the list listed_ids()
    reads, as ListedRelease in its order (without their categories): its ids and
    their rows in one statement, one round trip fewer for a page of a list."""
    if criteria.categories == ():
        return []
    window, params = window_sql(criteria)
    table = connection.ops.quote_name(Release._meta.db_table)
    pk = column("id", qualified=True)
    # The ids are found as listed_ids() finds them, from the listing index alone
    # however deep the page, and only then their rows read by id.
    sql = (
        f"SELECT {columns(LISTED_FIELDS, qualified=True)} FROM ({window}) AS page"
        f" JOIN {table} ON {pk} = page.{column('id')}"
        f" ORDER BY {column('date', qualified=True)} DESC,"
        f" {column('published_at', qualified=True)} DESC, {pk} DESC"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, stop - start, start])
        return [listed_release(row) for row in cursor.fetchall()]


def window_sql(criteria):
    """Return (SQL, parameters) of the ids of a list narrowed by *criteria*, newest
    first: its last two parameters, the LIMIT and the OFFSET, are left to add."""
    table = connection.ops.quote_name(Release._meta.db_table)
    date, published_at, pk = column("date"), column("published_at"), column("id")
    terms = [f"{column('status')} = %s", f"{published_at} <= %s"]
    params = [Release.Status.PUBLISHED, adapted_now()]
    if criteria.categories is not None:
        terms.append(f"{column('category')} IN ({', '.join(['%s'] * len(criteria.categories))})")
        params += criteria.categories
    for day, compared in ((criteria.first_day, ">="), (criteria.last_day, "<=")):
        if day is not None:
            terms.append(f"{date} {compared} %s")
            params.append(connection.ops.adapt_datefield_value(day))
    sql = (
        f"SELECT {pk} FROM {table} WHERE {' AND '.join(terms)}"
        f" ORDER BY {date} DESC, {published_at} DESC, {pk} DESC LIMIT %s OFFSET %s"
    )
    return sql, params


@functools.cache
def release_at_sql(vendor, deferred):
    """Return the SQL of the release on record at an address, on a *vendor*'s
    database, with its category's slug and name and without the *deferred* fields:
    its parameters are the category's slug, the date, the slug, the two statuses on
    record and the time now."""
    table = connection.ops.quote_name(Release._meta.db_table)
    categories = connection.ops.quote_name(Category._meta.db_table)
    fields = [field.name for field in Release._meta.concrete_fields if field.name not in deferred]
    category_id, category_slug = column("id", Category, True), column("slug", Category, True)
    return (
        f"SELECT {columns(fields, qualified=True)},"
        f" {category_slug} AS category_slug, {column('name', Category, True)} AS category_name"
        f" FROM {table} JOIN {categories} ON {category_id} = {column('category', qualified=True)}"
        f" WHERE {category_slug} = %s AND {column('date', qualified=True)} = %s"
        f" AND {column('slug', qualified=True)} = %s"
        f" AND {column('status', qualified=True)} IN (%s, %s)"
        f" AND {column('published_at', qualified=True)} <= %s"
    )


def release_at(category, date, slug, deferred=()):
    """Return the release on record (published, or withdrawn) at the address of
    *category* (a slug), *date* and *slug*, with its category, or None; the fields
    named in *deferred* are left to be read when asked for."""
    sql = release_at_sql(connection.vendor, tuple(deferred))
    date = connection.ops.adapt_datefield_value(date)
    found = list(Release.objects.raw(sql, [category, date, slug, *ON_RECORD, adapted_now()]))
    if not found:
        return None
    release = found[0]
    values = [release.category_id, release.category_slug, release.category_name]
    release.category = Category.from_db(connection.alias, ["id", "slug", "name"], values)
    return release


@functools.cache
def neighbours_sql(vendor):
    """Return the SQL of the public releases either side of a key in one category, on
    a *vendor*'s database: its parameters are the category, the published status and
    the time now, then the key, once for each side."""
    table = connection.ops.quote_name(Release._meta.db_table)
    date, published_at, pk = column("date"), column("published_at"), column("id")
    public = f"{column('category')} = %s AND {column('status')} = %s AND {published_at} <= %s"
    position = f"({date}, {published_at}, {pk})"
    older = (
        f"SELECT {pk} FROM {table} WHERE {public} AND {position} < (%s, %s, %s)"
        f" ORDER BY {date} DESC, {published_at} DESC, {pk} DESC LIMIT 1"
    )
    newer = (
        f"SELECT {pk} FROM {table} WHERE {public} AND {position} > (%s, %s, %s)"
        f" ORDER BY {date}, {published_at}, {pk} LIMIT 1"
    )
    return f"SELECT {columns(NEIGHBOUR_FIELDS)} FROM {table} WHERE {pk} IN (({older}), ({newer}))"


def neighbours(release):
    """Return (older, newer): the public releases either side of *release* in its
    category, in the lists' order, or None at either end."""
    ops = connection.ops
    date, published_at, pk = release.sort_key()
    key = [ops.adapt_datefield_value(date), ops.adapt_datetimefield_value(published_at), pk]
    public = [release.category_id, Release.Status.PUBLISHED, adapted_now()]
    found = Release.objects.raw(neighbours_sql(connection.vendor), [*public, *key, *public, *key])
    older = newer = None
    for neighbour in found:
        # Its category is the release's own: no join to read it again.
        neighbour.category = release.category
        if neighbour.sort_key() < release.sort_key():
            older = neighbour
        else:
            newer = neighbour
    return older, newer


def public_changes(release):
    """Return the public corrections of *release* (Release.public_changes()), newest
    first, with the time and note of each read."""
    history = Release._meta.apps.get_model("releases", "HistoricalRelease")
    quote = connection.ops.quote_name
    history_id, history_date, note = (
        quote(history._meta.get_field(name).column)
        for name in ("history_id", "history_date", "change_note")
    )
    sql = (
        f"SELECT {history_id}, {history_date}, {note} FROM {quote(history._meta.db_table)}"
        f" WHERE {quote(history._meta.get_field('id').column)} = %s AND {note} <> ''"
        f" ORDER BY {history_date} DESC, {history_id} DESC"
    )
    return list(history.objects.raw(sql, [release.pk]))

"""Full-text search of releases: PostgreSQL's text search, or SQLite's FTS5 index.

Both rank titles above bodies and give each hit a highlighted snippet. The
index itself is kept by the database (see migration 0007); this module
writes a parsed SearchQuery out in each database's syntax.
"""

import contextlib
import functools
import operator

from django.contrib.postgres.search import SearchHeadline, SearchRank, SearchVectorField
from django.contrib.postgres.search import SearchQuery as TsQuery
from django.db import connection, transaction
from django.db.models import BooleanField, Expression, Func, Value
from django.db.models.expressions import Col
from django.db.models.functions import Left
from django.utils.html import escape
from django.utils.safestring import mark_safe

from releases.caching.version import computed_once
from releases.models import NEWEST_FIRST, Release
from releases.rendering import plain_text
from releases.search.query import STOP_WORDS

# Marks put around matches by the database, turned into <mark> once the
# text around them is escaped.
START, STOP = "\x02", "\x03"
SNIPPET_WORDS = 30
SNIPPET_WINDOW = 3000  # characters of a body searched for a snippet first (PostgreSQL)
# Above this many full-text matches, SQLite reads the releases' indexes rather
# than each matching release (see FullTextMatch).
MANY_MATCHES = 2000


def search_releases(queryset, query):
    """Return *queryset* narrowed to the releases matching *query*, in the same order."""
    return backend().matching(queryset, query)


def by_relevance(queryset, query):
    """Return *queryset*'s releases best match first, a title match outweighing a body match.

    The result is a queryset, or on SQLite a RankedResults, which
    DeepPaginator can count and take a page's ids from.
    """
    return backend().ranked(queryset, query)


@contextlib.contextmanager
def search_plans():
    """Run the queries inside this block as searches, in one transaction.

    On PostgreSQL the planner reads a common word's matches by scanning the
    whole table, because it cannot see that testing each row's tsvector
    means fetching it from the TOAST table, where it is too long to be kept
    in the row: far slower than the GIN index's bitmap. Turning sequential
    scans off for the transaction lets it choose the index. Other databases
    are left alone.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        yield


def add_highlights(releases, query):
    """Give each of *releases* ``title_html`` and ``snippet_html``, matches marked.

    One query for them all; call it on a page of results, not on all of them.
    """
    releases = list(releases)
    found = backend().highlights([release.pk for release in releases], query) if releases else {}
    for release in releases:
        title, snippet = found.get(release.pk, (release.title, ""))
        release.title_html = marked(title)
        release.snippet_html = marked(plain_text(snippet))


def marked(text):
    """Return *text* escaped, with the database's match marks made <mark> elements."""
    html = escape(" ".join(text.split()))
    if html.count(START) != html.count(STOP):
        # A mark character in the text itself: show it plain rather than
        # risk an unclosed element.
        return mark_safe(html.replace(START, "").replace(STOP, ""))
    return mark_safe(html.replace(START, "<mark>").replace(STOP, "</mark>"))


def backend():
    return PostgresSearch() if connection.vendor == "postgresql" else SqliteSearch()


class SearchDocument(Expression):
    """The release table's ``search_document`` column (PostgreSQL only; not a model field)."""

    output_field = SearchVectorField()

    def resolve_expression(self, query=None, *args, **kwargs):
        field = SearchVectorField()
        field.set_attributes_from_name("search_document")
        field.model = Release
        return Col(query.get_initial_alias(), field)


class PostgresSearch:
    """A stored, weighted tsvector (title A, body B) with a GIN index."""

    def tsquery(self, query):
        return functools.reduce(operator.and_, map(self.term_query, query.terms))

    def term_query(self, term):
        if term.prefix:
            words = " <-> ".join(f"'{word}'" for word in term.words)
            return TsQuery(f"{words}:*", search_type="raw", config="english")
        # PostgreSQL splits the term as it split the text: "COVID-19" is
        # 'covid' and '-19' to it, so the words must come from its parser.
        return TsQuery(term.text, search_type="phrase", config="english")

    def matching(self, queryset, query):
        document = SearchDocument()
        return queryset.alias(search_document=document).filter(search_document=self.tsquery(query))

    def rank_query(self, query):
        """Any of *query*'s words: what its matches are ranked by.

        Given all the words, ts_rank weighs each match by the distance between
        every pair of their places in it, which is slow for common words. Every
        match holds all the words anyway; ranked by how often, and where (title
        or body), it holds any of them, it is ranked much faster.
        """
        parts = []
        for term in query.terms:
            if term.prefix:
                parts.append(self.term_query(term))
                continue
            words = [word for word in term.words if word not in STOP_WORDS] or term.words
            parts += [TsQuery(word, search_type="plain", config="english") for word in words]
        return functools.reduce(operator.or_, parts)

    def ranked(self, queryset, query):
        rank = SearchRank(SearchDocument(), self.rank_query(query))
        return queryset.annotate(search_rank=rank).order_by("-search_rank", *NEWEST_FIRST)

    def highlights(self, ids, query):
        """Mark matches in the opening of each body, or in the whole body where only it matches.

        ts_headline parses the text it is given: the opening SNIPPET_WINDOW
        characters of a page's releases take far less time than their whole
        bodies, and a common word is almost always found there. A release that matches in
        its title alone keeps the opening, unmarked.
        """
        found = self.headlines(ids, query, Left("body", SNIPPET_WINDOW))
        unmarked = [pk for pk, (_, snippet) in found.items() if START not in snippet]
        deeper = self.body_matches(unmarked, query) if unmarked else []
        if deeper:
            found.update(self.headlines(deeper, query, "body"))
        return found

    def body_matches(self, ids, query):
        """Return which of the releases *ids* match *query* in their body, not only the title.

        Read from the stored tsvector's body words (weight B), without parsing any text.
        """
        body_words = Func(SearchDocument(), Value("{b}"), function="ts_filter")
        body_words.output_field = SearchVectorField()
        rows = Release.objects.filter(pk__in=ids).alias(body_words=body_words)
        return list(rows.filter(body_words=self.tsquery(query)).values_list("pk", flat=True))

    def headlines(self, ids, query, text):
        """Return {id: (title, snippet of *text*)}, matches marked, for the releases *ids*."""
        tsquery = self.tsquery(query)
        options = {"config": "english", "start_sel": START, "stop_sel": STOP}
        rows = Release.objects.filter(pk__in=ids).annotate(
            title_marked=SearchHeadline("title", tsquery, highlight_all=True, **options),
            snippet=SearchHeadline(
                text,
                tsquery,
                max_words=SNIPPET_WORDS,
                min_words=SNIPPET_WORDS // 2,
                max_fragments=1,
                **options,
            ),
        )
        rows = rows.values_list("pk", "title_marked", "snippet")
        return {pk: (title, snippet) for pk, title, snippet in rows}


class FullTextMatch(Expression):
    """Whether a release's id is among the FTS5 matches of an expression (SQLite only).

    SQLite has no statistics on the full-text table, so it is told the one
    that matters: for a few matches it looks each up by id; for many, a unary
    plus has it walk the releases' own indexes instead, which hold the
    filtered columns, rather than read thousands of releases one by one.
    """

    output_field = BooleanField()

    def __init__(self, expression, many):
        super().__init__()
        self.expression = expression
        self.many = many

    def resolve_expression(self, query=None, *args, **kwargs):
        resolved = self.copy()
        resolved.alias = query.get_initial_alias()
        return resolved

    def as_sql(self, compiler, connection):
        column = f"{compiler.quote_name_unless_alias(self.alias)}.{connection.ops.quote_name('id')}"
        plus = "+" if self.many else ""
        sql = f"{plus}{column} IN (SELECT rowid FROM release_search WHERE release_search MATCH %s)"
        return sql, [self.expression]


class RankedResults:
    """A search's releases best match first, counted and windowed for DeepPaginator.

    Each page's ids come from one query on the FTS5 table, which computes BM25
    as it reads its index, restricted to the ids the list's filters allow.
    Ranking through a join instead let SQLite re-run the full-text query for
    every filtered release.
    """

    def __init__(self, queryset, expression):
        self.queryset = queryset
        self.expression = expression

    def count(self):
        return self.queryset.count()

    def ids(self, start, stop):
        """Return the ids of the releases from *start* to *stop* in this order."""
        allowed, params = self.queryset.order_by().values("pk").query.sql_with_params()
        sql = (
            "SELECT rowid FROM release_search WHERE release_search MATCH %s "
            f"AND +rowid IN ({allowed}) "
            "ORDER BY bm25(release_search, 10.0, 1.0), rowid DESC LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.expression, *params, stop - start, start])
            return [pk for (pk,) in cursor.fetchall()]


class SqliteSearch:
    """SQLite's FTS5 table ``release_search``, ranked by BM25 with titles weighted tenfold."""

    def match(self, query):
        terms = []
        for term in query.terms:
            phrase = '"' + " ".join(term.words) + '"'
            terms.append(phrase + "*" if term.prefix else phrase)
        return " ".join(terms)

    def matching(self, queryset, query):
        expression = self.match(query)
        return queryset.filter(FullTextMatch(expression, self.count(expression) > MANY_MATCHES))

    def count(self, expression):
        """Count the matches in the full-text index alone, once per content version.

        A list and each of its facets asks, and counting a common phrase's
        matches is slow on a large archive.
        """
        return computed_once("search-matches", expression, lambda: self.count_afresh(expression))

    def count_afresh(self, expression):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM release_search WHERE release_search MATCH %s", [expression]
            )
            return cursor.fetchone()[0]

    def ranked(self, queryset, query):
        return RankedResults(queryset, self.match(query))

    def highlights(self, ids, query):
        placeholders = ", ".join(["%s"] * len(ids))
        sql = (
            f"SELECT rowid, highlight(release_search, 0, %s, %s), "
            f"snippet(release_search, 1, %s, %s, '…', %s) "
            f"FROM release_search WHERE release_search MATCH %s AND rowid IN ({placeholders})"
        )
        params = [START, STOP, START, STOP, SNIPPET_WORDS, self.match(query), *ids]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {pk: (title, snippet) for pk, title, snippet in cursor.fetchall()}

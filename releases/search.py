"""Full-text search of releases: PostgreSQL's text search, or SQLite's FTS5 index.

Both rank titles above bodies and give each hit a highlighted snippet. The
index itself is kept by the database (see migration 0007); this module
writes a parsed SearchQuery out in each database's syntax.
"""

import functools
import operator

from django.contrib.postgres.search import SearchHeadline, SearchRank, SearchVectorField
from django.contrib.postgres.search import SearchQuery as TsQuery
from django.db import connection
from django.db.models import Expression
from django.db.models.expressions import Col, RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe

from releases.models import Release
from releases.rendering import plain_text

# Marks put around matches by the database, turned into <mark> once the
# text around them is escaped.
START, STOP = "\x02", "\x03"
SNIPPET_WORDS = 30


def search_releases(queryset, query):
    """Return *queryset* narrowed to releases matching *query*, with ``search_rank``.

    A higher ``search_rank`` is a better match; a title match outweighs a
    body match.
    """
    return backend().search(queryset, query)


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

    def search(self, queryset, query):
        tsquery = self.tsquery(query)
        return (
            queryset.alias(search_document=SearchDocument())
            .filter(search_document=tsquery)
            .annotate(search_rank=SearchRank(SearchDocument(), tsquery))
        )

    def highlights(self, ids, query):
        tsquery = self.tsquery(query)
        options = {"config": "english", "start_sel": START, "stop_sel": STOP}
        rows = Release.objects.filter(pk__in=ids).annotate(
            title_marked=SearchHeadline("title", tsquery, highlight_all=True, **options),
            snippet=SearchHeadline(
                "body",
                tsquery,
                max_words=SNIPPET_WORDS,
                min_words=SNIPPET_WORDS // 2,
                max_fragments=1,
                **options,
            ),
        )
        rows = rows.values_list("pk", "title_marked", "snippet")
        return {pk: (title, snippet) for pk, title, snippet in rows}


class SqliteSearch:
    """SQLite's FTS5 table ``release_search``, ranked by BM25 with titles weighted tenfold."""

    def match(self, query):
        terms = []
        for term in query.terms:
            phrase = '"' + " ".join(term.words) + '"'
            terms.append(phrase + "*" if term.prefix else phrase)
        return " ".join(terms)

    def search(self, queryset, query):
        # bm25() is lower for a better match; negated, it orders like PostgreSQL's rank.
        rank = RawSQL("-bm25(release_search, 10.0, 1.0)", ())
        matching = queryset.filter(search_entry__document__match=self.match(query))
        return matching.annotate(search_rank=rank)

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

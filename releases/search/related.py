"""Related releases: the public releases most like one, for its page.

More-like-this: the release's most telling words (frequent in it, rare in
the archive), from its title and body, searched for in the index with BM25.
The answer is kept per content version and release; a page renders without
it, or with what the index holds (and keeps nothing), while the index is
missing or behind, and never waits for it.
"""

import dataclasses
import datetime

import tantivy
from django.core.cache import cache
from django.utils import timezone

from releases.caching.version import KEEP_SECONDS, computed_once
from releases.models import Category, Release, release_path
from releases.search import directory, updating
from releases.search.compiling import Criteria, filter_clauses
from releases.search.schema import EPOCH, SCHEMA

SHOWN = 5
# A word must be in another release to relate the two; once in this one will do.
MIN_DOC_FREQUENCY = 2
MIN_TERM_FREQUENCY = 1
# A word in more than a tenth of the releases tells nothing of what one is
# about, and scoring its long posting list was most of the time at 100,000
# releases (7 ms, against 0.7 without); small archives keep every word.
MOST_COMMON_SHARE = 10
MOST_COMMON_AT_LEAST = 100
# What is read of a body: what a release is about is in its opening, and the
# longest transcripts (80,000 characters) would cost more than the page itself.
BODY_CHARACTERS = 10_000


@dataclasses.dataclass(frozen=True)
class RelatedRelease:
    """What a link to a related release shows."""

    title: str
    address: str
    date: datetime.date


def related_releases(release, version):
    """Return up to SHOWN RelatedReleases most like *release*, best first, kept
    under the content *version* once the index holds every change."""
    key = f"related-releases:{version}:{release.pk}"
    found = cache.get(key)
    if found is None:
        found, complete = find_related(release, version)
        if complete:
            cache.set(key, found, KEEP_SECONDS)
    return found


def find_related(release, version):
    """Return (the RelatedReleases of *release*, whether the index was up to the journal),
    as of the content *version*."""
    try:
        searcher, complete = current_searcher(version)
        if searcher is None:
            return [], False
        hits = similar(searcher, release)
        if complete:
            # Up to the journal, the index's filters say what is public as the
            # database would, and its stored titles and slugs are current.
            return distinct(release, stored_links(searcher, hits, version)), True
        ids = searcher.fast_field_values("id", hits)
    except updating.UNUSABLE as error:
        # The next search rebuilds it; a release page goes on without.
        directory.log_unusable("No related releases, the search index is unusable: %s", error)
        return [], False
    return distinct(release, public_links(ids)), False


def distinct(release, links):
    """Return the first SHOWN of *links* whose titles differ from each other and from
    *release*'s.

    The archive files some releases under two addresses (a slug fixed, a
    second category), and issues some titles again and again ("Nominations
    Sent to the Senate"): a reader cannot tell two links of one title apart,
    so the best match of each title stands for it.
    """
    seen = {release.title}
    kept = []
    for link in links:
        if link.title not in seen:
            seen.add(link.title)
            kept.append(link)
            if len(kept) == SHOWN:
                break
    return kept


def stored_links(searcher, hits, version):
    """Yield a RelatedRelease for each of *hits* (addresses), from what the index holds.

    One at a time: a link's address is worked out (reverse(), the dearest
    part of a link) only for the few that distinct() reads before it has enough.
    """
    days = searcher.fast_field_values("day", hits)
    categories = searcher.fast_field_values("category", hits)
    slugs = category_slugs(version)
    for address, day, category in zip(hits, days, categories, strict=True):
        document = searcher.doc(address)
        date = EPOCH + datetime.timedelta(days=day)
        path = release_path(slugs[category], date, document.get_first("slug"))
        yield RelatedRelease(document.get_first("title"), path, date)


def category_slugs(version):
    """Return {category id: slug}, read once per content *version*."""
    return computed_once(
        "category-slugs", "", lambda: dict(Category.objects.values_list("pk", "slug")), version
    )


def public_links(ids):
    """Return a RelatedRelease for each release of *ids* that is public now, in the order
    of *ids*: the database has the last word, if the index is behind."""
    rows = (
        Release.objects.published()
        .filter(pk__in=ids)
        .order_by()
        .values_list("pk", "title", "category__slug", "date", "slug")
    )
    by_id = {row[0]: row[1:] for row in rows}
    public = [by_id[pk] for pk in ids if pk in by_id]
    return [
        RelatedRelease(title, release_path(category, date, slug), date)
        for title, category, date, slug in public
    ]


def current_searcher(version):
    """Return (a searcher of the index as it stands, whether it holds the whole journal
    as of the content *version*), or (None, False) without an index. Catching up is
    left to the next search: a release page never writes to the index."""
    index = directory.opened()
    if index is None:
        return None, False
    head = updating.journal_head(version)
    searcher, held = updating.reloaded_if_behind(index, head)
    return searcher, held >= head


def releases_held(searcher):
    """How many releases the index holds: its documents less the speakers' (schema.py),
    which hold no title or body for a word to be counted in."""
    speakers = tantivy.Query.exists_query("speaker")
    return searcher.num_docs - searcher.search(speakers, 1, count=True).count


def similar(searcher, release):
    """Return the addresses of the public releases most like *release*, best first:
    more than are shown, in case the index still holds one no longer public, or
    several of one title."""
    like = tantivy.Query.more_like_this_document_fields_query(
        SCHEMA,
        {"title": [release.title], "body": [release.body[:BODY_CHARACTERS]]},
        min_doc_frequency=MIN_DOC_FREQUENCY,
        # Never above the live documents: a word's count includes documents deleted
        # but not yet merged away, and the library panics on one above them.
        max_doc_frequency=min(
            searcher.num_docs,
            max(releases_held(searcher) // MOST_COMMON_SHARE, MOST_COMMON_AT_LEAST),
        ),
        min_term_frequency=MIN_TERM_FREQUENCY,
    )
    clauses = [
        (tantivy.Occur.Must, like),
        (tantivy.Occur.MustNot, tantivy.Query.term_query(SCHEMA, "id", release.pk)),
    ]
    clauses += filter_clauses(Criteria(None), timezone.now())
    hits = searcher.search(tantivy.Query.boolean_query(clauses), SHOWN * 4, count=False).hits
    return [address for _, address in hits]

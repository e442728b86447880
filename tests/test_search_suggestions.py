"""Did you mean: a search that finds nothing offers the closest one that finds something."""

import datetime
import html
import re

import pytest
import tantivy

from releases.models import Release
from releases.search import directory, updating
from releases.search.suggestions import FAR_MORE, HANDFUL

pytestmark = pytest.mark.django_db

LIST = "/briefing-room/"
SUGGESTION = re.compile(
    r'<p class="suggestion">Did you mean: <a href="([^"]*)">([^<]*) \(([\d,]+) releases?\)</a></p>'
)


def suggestion(response):
    """Return (address, text, the count it says it finds) of the page's suggestion, or None."""
    assert response.status_code == 200
    found = SUGGESTION.search(response.text)
    if not found:
        return None
    return html.unescape(found[1]), html.unescape(found[2]), int(found[3].replace(",", ""))


def titles(response):
    return [release.title for release in response.context["release_list"]]


@pytest.fixture
def releases(make_release):
    make_release(title="The President on the economy", body="Jobs and wages rose.")
    make_release(title="Remarks by the President", body="On climate change and ports.")
    make_release(
        title="Pandemic response update",
        body="Vaccines for every state.",
        category="press-briefings",
        date=datetime.date(2021, 4, 1),
    )
    make_release(title="A boarder school", body="A visit.")


def test_a_word_one_edit_away_is_corrected_and_the_link_finds_releases(client, releases):
    address, text, _ = suggestion(client.get(LIST, {"q": "presidnt"}))
    assert text == "president"
    assert len(titles(client.get(LIST + address))) == 2


def test_a_word_two_edits_away_is_corrected(client, releases):
    assert suggestion(client.get(LIST, {"q": "prezidnet"}))[1] == "president"


def test_the_closest_word_wins_then_the_one_in_most_releases(client, releases, make_release):
    make_release(title="On the border", body="Border crossings.")
    make_release(title="Border security", body="At the border.")
    assert suggestion(client.get(LIST, {"q": "bordr"}))[1] == "border"  # not "boarder"
    make_release(title="A sale of land", body="The sale closed.")
    make_release(title="Another sale", body="Of bonds.")
    make_release(title="Safe harbour", body="A port.")
    assert suggestion(client.get(LIST, {"q": "sage"}))[1] == "sale"  # as close as "safe"


def test_only_plain_words_are_corrected_and_phrases_and_prefixes_are_kept(client, releases):
    text = suggestion(client.get(LIST, {"q": '"climate change" presidnt port*'}))[1]
    assert text == '"climate change" president port*'


def test_a_search_with_results_suggests_nothing(client, releases):
    response = client.get(LIST, {"q": "president"})
    assert titles(response)
    assert suggestion(response) is None


def spelt(make_release, word, count, **fields):
    """Create *count* releases titled with *word* and "Biden"."""
    for number in range(count):
        make_release(title=f"Remarks by {word} Biden, {number}", **fields)


def test_a_search_finding_a_handful_offers_a_correction_finding_far_more(client, make_release):
    """The archive's own typos: "presidnet biden" finds them, "president biden" far more."""
    spelt(make_release, "Presidnet", 2)
    spelt(make_release, "President", 2 * FAR_MORE + 3)
    response = client.get(LIST, {"q": "presidnet biden"})
    assert len(titles(response)) == 2
    address, text, found = suggestion(response)
    assert (text, found) == ("president biden", 2 * FAR_MORE + 3)
    assert client.get(LIST + address).context["paginator"].count == found


def test_a_correction_keeps_the_lists_filters_and_counts_within_them(client, make_release):
    spelt(make_release, "Presidnet", 1, category="press-briefings")
    spelt(make_release, "President", FAR_MORE, category="press-briefings")
    spelt(make_release, "President", 3)
    response = client.get(LIST, {"q": "presidnet biden", "category": "press-briefings"})
    address, text, found = suggestion(response)
    assert (text, found) == ("president biden", FAR_MORE)
    assert "category=press-briefings" in address


def test_a_correction_finding_not_far_more_is_not_offered(client, make_release):
    spelt(make_release, "Presidnet", 2)
    spelt(make_release, "President", 2 * FAR_MORE - 1)
    response = client.get(LIST, {"q": "presidnet biden"})
    assert len(titles(response)) == 2
    assert suggestion(response) is None


def test_a_search_finding_more_than_a_handful_offers_nothing(client, make_release):
    spelt(make_release, "Presidnet", HANDFUL + 1)
    spelt(make_release, "President", FAR_MORE * (HANDFUL + 1))
    response = client.get(LIST, {"q": "presidnet biden"})
    assert response.context["paginator"].count == HANDFUL + 1
    assert suggestion(response) is None


def test_nothing_is_suggested_when_no_word_is_close(client, releases):
    assert suggestion(client.get(LIST, {"q": "zyxwvut"})) is None
    # One word is corrected, the other is close to nothing: no search would find anything.
    assert suggestion(client.get(LIST, {"q": "presidnt zyxwvut"})) is None


def test_the_suggestion_keeps_the_lists_filters(client, releases):
    filters = {"category": "press-briefings", "date_after": "2021-01-01"}
    address, text, _ = suggestion(client.get(LIST, {"q": "pandemc", **filters}))
    assert text == "pandemic"
    assert "category=press-briefings" in address
    assert "date_after=2021-01-01" in address
    assert titles(client.get(LIST + address)) == ["Pandemic response update"]
    # Words found only outside the list are not offered.
    assert suggestion(client.get(LIST, {"q": "presidnt", **filters})) is None


def test_words_of_releases_not_public_are_never_suggested(client, releases, make_release):
    make_release(title="Embargoed zeppelin plans", status=Release.Status.DRAFT)
    make_release(
        title="Scheduled zeppelin plans",
        published_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1),
    )
    assert suggestion(client.get(LIST, {"q": "zepelin"})) is None


def test_an_index_built_without_the_words_field_is_rebuilt(client, releases, search_index):
    """An index left by the version before suggestions lacks their field: it is
    rebuilt, as a damaged one is, and suggestions work again."""
    client.get(LIST, {"q": "president"})
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", indexed=True, fast=True)
    path = search_index / "generations" / "older"
    path.mkdir()
    tantivy.Index(builder.build(), path=str(path))
    with directory.writer_lock():
        directory.swap_in(path)
    with pytest.raises(directory.DamagedIndex):
        directory.opened()
    updating.rebuild()
    assert suggestion(client.get(LIST, {"q": "presidnt"}))[1] == "president"

"""Bad requests never answer 500, and never change what anyone else sees.

An invalid list is never cached; a list is filed under its validated
filters, so junk parameters make no new copies; addresses the site has no
page for (year 0, a NUL byte, a crafted cursor, a page past the end) are
4xx answers that say why. No value holding a NUL byte reaches the database,
which on PostgreSQL would fail on it.
"""

import base64
import contextlib
import datetime
import re
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.db.models import DateField
from django.test import Client, RequestFactory
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from releases.models import Release, Subscription

LIST = "/briefing-room/"
API = "/api/releases/"


@pytest.fixture
def releases(make_release):
    make_release(title="Old", date=datetime.date(2020, 6, 1))
    make_release(title="New briefing", category="press-briefings", date=datetime.date(2021, 6, 1))
    make_release(title="New statement", date=datetime.date(2021, 7, 1))


def count_on_page(response):
    return response.context["paginator"].count


def test_an_invalid_list_is_never_cached_and_never_changes_the_valid_one(client, releases):
    for _ in range(3):
        assert client.get(LIST, {"sort": "bogus", "date_after": "2021-01-01"}).status_code == 400
        bad_json = client.get(LIST, {"sort": "bogus", "date_after": "2021-01-01", "format": "json"})
        assert bad_json.status_code == 400
    assert count_on_page(client.get(LIST, {"date_after": "2021-01-01"})) == 2
    assert client.get(LIST, {"date_after": "2021-01-01", "format": "json"}).json()["count"] == 2
    assert client.get(API, {"date_after": "2021-01-01"}).json()["count"] == 2


def test_junk_parameters_lead_to_the_list_itself_and_keep_nothing(client, releases):
    response = client.get(LIST, {"date_after": "2021-01-01", "utm_source": "x", "q": ""})
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?date_after=2021-01-01"
    kept = set(cache._cache)
    for number in range(20):
        assert client.get(LIST, {"date_after": "2021-01-01", f"junk{number}": "x"}).status_code in (
            200,
            302,
        )
    assert set(cache._cache) - kept == set()


def test_two_addresses_of_one_list_share_one_copy(client, releases):
    first = client.get(f"{LIST}?category=press-briefings&date_after=2021-01-01")
    second = client.get(f"{LIST}?date_after=2021-01-01&category=press-briefings")
    assert first.status_code == second.status_code == 200
    assert first["ETag"] == second["ETag"]
    written_otherwise = client.get(f"{LIST}?date_after=2021-1-1&category=press-briefings")
    assert written_otherwise.status_code == 302
    assert written_otherwise["Location"] == (
        f"{LIST}?category=press-briefings&date_after=2021-01-01"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/briefing-room/0000/",
        "/briefing-room/0000/01/",
        "/briefing-room/press-briefings/0000/",
        "/briefing-room/press-briefings/0000/06/",
        "/briefing-room/press-briefings/0000/01/01/a-slug/",
        "/x%00",
        "/briefing-room/x%00/",
    ],
)
def test_addresses_no_page_can_have_are_404s(client, releases, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "cursor",
    [
        "9999-12-31|9999-12-31T23:59:59-23:59|1",
        "0001-01-01|0001-01-01T00:00:00+23:59|1",
        "2021-01-01|2021-01-01T00:00:00+00:00|99999999999999999999999",
        "2021-01-01|2021-01-01T00:00:00|1",
    ],
)
def test_crafted_cursors_are_refused_with_a_reason(client, releases, cursor):
    encoded = base64.urlsafe_b64encode(cursor.encode()).decode()
    response = client.get(API, {"cursor": encoded})
    assert response.status_code == 400
    assert "Not a cursor from this API" in response.json()["errors"]["cursor"][0]


@pytest.mark.parametrize("paged", [{"page": "2"}, {"q": "vaccine"}])
def test_a_cursor_beside_a_page_or_a_search_by_best_match_is_refused(client, releases, paged):
    response = client.get(API, {"cursor": "garbage", **paged})
    assert response.status_code == 400
    assert "leave it out" in response.json()["errors"]["cursor"][0]


def test_a_long_search_in_a_non_latin_script_can_be_followed(client, releases):
    search = " ".join(["气候变化危机应对国际合作"] * 10)
    encoded = f"q={quote(search).replace('%20', '+')}"
    assert len(encoded) > 1000
    response = client.post("/subscriptions/", {"email": "reader@example.gov", "q": search})
    assert response.status_code == 200
    assert Subscription.objects.get().query == encoded


def test_an_over_long_email_address_is_refused_with_a_reason(client, releases):
    response = client.post("/subscriptions/", {"email": "a" * 250 + "@example.gov"})
    assert response.status_code == 400
    assert "Ensure this value has at most 254 characters" in response.text
    assert not Subscription.objects.exists()


def test_a_revision_id_that_is_not_a_number_is_a_404(admin_client, releases):
    release = Release.objects.first()
    response = admin_client.get(f"/admin/releases/release/{release.pk}/history/abc/")
    assert response.status_code == 404


def test_a_release_id_that_is_not_a_number_has_no_history_page(admin_client, releases):
    assert admin_client.get("/admin/releases/release/abc/history/").status_code == 404


@pytest.mark.parametrize("written", ["02", "002", "+2", "\u0662", "\uff12"])
def test_a_page_number_written_another_way_leads_to_its_one_address(client, releases, written):
    response = client.get("/briefing-room/", {"page": written})
    assert (response.status_code, response.url) == (302, "/briefing-room/?page=2")


@pytest.mark.parametrize("path", [LIST, "/api/releases/"])
def test_a_page_number_with_more_digits_than_any_list_has_pages_is_no_page(client, releases, path):
    assert client.get(path, {"page": "0" * 12 + "1"}).status_code == 404
    assert client.get(path, {"page": "0" * 11 + "1"})["Location"].endswith("?page=1")


def test_a_list_links_alike_whichever_order_its_parameters_come_in(client, releases, settings):
    """A kept copy serves both orders: its links must not follow the first reader's."""
    settings.BRIEFING_PAGE_CACHE = False
    links = [
        re.findall(r'href="([^"]*format=[^"]*)"', client.get(f"{LIST}?{query}").text)
        for query in ("date_before=2021-12-31&q=rail", "q=rail&date_before=2021-12-31")
    ]
    assert links[0] == links[1]
    assert links[0]


@pytest.mark.parametrize(
    "query", ["foo=1", "q=rail&utm_source=mail", "q=rail&q=rail", "q=%20rail", "page=01"]
)
@pytest.mark.parametrize("path", [LIST, "/api/releases/"])
def test_a_query_written_another_way_answers_alike_whether_its_list_is_kept_or_not(
    client, releases, settings, path, query
):
    settings.BRIEFING_PAGE_CACHE = False
    uncached = client.get(f"{path}?{query}")
    settings.BRIEFING_PAGE_CACHE = True
    target = uncached["Location"]
    assert client.get(target).status_code == 200  # now kept
    cached = client.get(f"{path}?{query}")
    assert (cached.status_code, cached["Location"]) == (302, target)


def test_a_category_of_drafts_alone_stays_unseen(client, releases, make_release):
    make_release(title="Embargoed", category="embargoed-summit", status=Release.Status.DRAFT)
    make_release(
        title="Later",
        category="scheduled-subject",
        published_at=datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC),
    )
    page = client.get(LIST).text
    assert "embargoed-summit" not in page
    assert "scheduled-subject" not in page
    assert client.get("/briefing-room/embargoed-summit/").status_code == 404
    assert client.get("/briefing-room/scheduled-subject/").status_code == 404
    assert client.get(LIST, {"category": "embargoed-summit"}).status_code == 400
    follow = {"email": "reader@example.gov", "category": "embargoed-summit"}
    assert client.post("/subscriptions/", follow).status_code == 404


# Every public address pattern, with values that match it.
PUBLIC_PATHS = [
    "/briefing-room/",
    "/briefing-room/2021/",
    "/briefing-room/2021/06/",
    "/briefing-room/press-briefings/",
    "/briefing-room/press-briefings/2021/",
    "/briefing-room/press-briefings/2021/06/",
    "/briefing-room/press-briefings/2021/06/01/release-number-2/",
    "/briefing-room/press-briefings/2021/06/01/release-number-2/changes/1/",
    "/api/releases/",
    "/api/releases/2/",
    "/corrections/feed/",
    "/sitemap.xml",
    "/sitemap-releases.xml",
    "/robots.txt",
]
PARAMETERS = ["q", "category", "date_after", "date_before", "sort", "page", "format", "cursor", "p"]


def percent_encoded(text):
    """Return *text* as a query string writes it, lone surrogates and all."""
    return quote(text, safe="", errors="surrogatepass")


nasty_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["\x00", "\x1f", "\ud800", "9" * 40, "-1", "0", "2021-02-30", "%", "&"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
raw_bytes = st.binary(max_size=30).map(lambda data: quote(data, safe=""))
query_items = st.lists(
    st.tuples(
        st.one_of(st.sampled_from(PARAMETERS), st.text(max_size=8)),
        st.one_of(
            nasty_text.map(lambda text: quote(text, safe="", errors="surrogatepass")), raw_bytes
        ),
    ),
    max_size=6,
)
paths = st.one_of(
    st.sampled_from(PUBLIC_PATHS),
    st.builds(lambda base, tail: base + tail, st.sampled_from(PUBLIC_PATHS), raw_bytes),
)
VALID = [f"{LIST}?date_after=2021-01-01", f"{API}?category=press-briefings", LIST]


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(path=paths, items=query_items)
def test_no_address_or_query_string_answers_500_or_changes_a_valid_list(
    releases_for_properties, path, items
):
    client, before = releases_for_properties
    query = "&".join(
        f"{quote(key, safe='', errors='surrogatepass')}={value}" for key, value in items
    )
    response = client.get(path, QUERY_STRING=query)
    assert response.status_code < 500, (path, query)
    assert {address: client.get(address).content for address in VALID} == before


@pytest.fixture
def releases_for_properties(releases, settings):
    """A client, and what the valid lists answer before any bad request.

    Pages are rendered afresh each time, so that a count or facet kept for a
    list, where a bad request could leave a wrong one, shows on the page.
    """
    settings.BRIEFING_PAGE_CACHE = False
    client = Client()
    return client, {address: client.get(address).content for address in VALID}


def test_a_cursor_on_a_page_that_reads_none_leads_to_the_page_itself(client, releases):
    response = client.get(LIST, {"cursor": "anything"})
    assert (response.status_code, response["Location"]) == (302, LIST)
    assert client.get(API, {"cursor": "anything"}).status_code == 400


def holds_nul(value):
    """Whether *value*, a query parameter or a collection of them, holds a NUL."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return holds_nul(list(value.values()))
    return isinstance(value, list | tuple) and any(map(holds_nul, value))


@contextlib.contextmanager
def nul_kept_from_the_database():
    """Fail if a query is given a value holding a NUL in this block: PostgreSQL
    refuses one (a 500), and SQLite would look it up in vain."""
    given = []

    def watch(execute, sql, params, many, context):
        if holds_nul(params):
            given.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        yield
    assert given == []


# A NUL in each kind of address: the path converters (slugs, numbers, the
# subscription tokens), a former permalink's path that the redirects look up,
# the admin's object ids, the sitemap's section, static files.
NUL_ADDRESSES = [
    "/subscriptions/a%00b/confirm/",
    "/subscriptions/a%00b/unsubscribe/",
    "/briefing-room/press-briefings%00/",
    "/briefing-room/2021%00/06/",
    "/briefing-room/press-briefings/2021/06/01/release-number-2%00/",
    "/briefing-room/press-briefings/2021/06/01/release-number-2%00.md",
    "/briefing-room/press-briefings/2021/06/01/release-number-2/changes/1%00/",
    "/api/releases/2%00/",
    "/sitemap-releases%00.xml",
    "/articles/2021/06/release-number-2%00/",
    "/admin/releases/release/2%00/change/",
    "/admin/releases/release/2/history/1%00/",
    "/admin/releases/subscription/a%00/change/",
    "/admin/auth/user/a%00/change/",
    "/static/releases/briefing%00.css",
]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("path", NUL_ADDRESSES)
def test_an_address_holding_a_nul_is_a_404_that_never_reaches_the_database(
    admin_client, releases, path, method
):
    with nul_kept_from_the_database():
        assert getattr(admin_client, method)(path).status_code == 404


PUBLIC_LISTS = ["/briefing-room/", "/briefing-room/press-briefings/2021/", API]


@pytest.mark.parametrize("path", PUBLIC_LISTS)
@pytest.mark.parametrize("parameter", [*PARAMETERS, "a%00"])
def test_a_list_given_a_nul_answers_as_to_any_bad_value_and_never_queries_it(
    client, releases, path, parameter
):
    with nul_kept_from_the_database():
        response = client.get(path, QUERY_STRING=f"{parameter}=2021%00")
    # A bad filter is a 400, a page the list lacks a 404; unknown parameters
    # and a cursor on a page that reads none lead to the list itself.
    assert response.status_code in (302, 400, 404)


@pytest.mark.parametrize(
    ("path", "status"),
    [("/sitemap-releases.xml", 404), ("/corrections/feed/", 200), ("/robots.txt", 200)],
)
def test_a_page_number_with_a_nul_is_a_404_where_pages_are_read(client, releases, path, status):
    with nul_kept_from_the_database():
        assert client.get(path, QUERY_STRING="p=1%00").status_code == status


@pytest.mark.parametrize(
    "fields",
    [{"email": "reader\x00@example.gov"}, {"category": "press\x00"}, {"q": "salmon\x00"}],
)
def test_a_subscription_given_a_nul_is_refused(client, releases, fields):
    with nul_kept_from_the_database():
        response = client.post("/subscriptions/", {"email": "reader@example.gov", **fields})
    assert response.status_code in (400, 404)
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    "model_admin", admin.site._registry.values(), ids=lambda model_admin: str(model_admin)
)
def test_a_change_list_filtered_by_a_nul_is_a_400(admin_client, releases, model_admin):
    """Every field of every model in the admin, as a change list's filter."""
    options = model_admin.model._meta
    changelist = reverse(f"admin:{options.app_label}_{options.model_name}_changelist")
    names = {field.name for field in options.get_fields()} | {"q", "o", "p", "_to_field"}
    with nul_kept_from_the_database():
        statuses = {
            name: admin_client.get(changelist, QUERY_STRING=f"{name}=a%00b").status_code
            for name in sorted(names)
        }
    assert statuses == dict.fromkeys(names, 400)


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/admin/releases/release/", {"action": "publish", "_selected_action": ["2\x00"]}),
        ("/admin/releases/category/", {"action": "delete_selected", "_selected_action": ["1\x00"]}),
        ("/admin/releases/release/2/change/", {"title": "Corrected\x00"}),
        ("/admin/logout/", {"next": "/admin/\x00"}),
    ],
)
def test_an_admin_form_holding_a_nul_is_a_400(admin_client, releases, path, form):
    with nul_kept_from_the_database():
        response = admin_client.post(path, form)
    assert response.status_code == 400
    assert "a NUL character in the form field" in response.text


def test_a_sign_in_with_a_nul_is_a_400(client, releases):
    with nul_kept_from_the_database():
        response = client.post("/admin/login/", {"username": "staff\x00", "password": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize("path", [LIST, "/admin/", "/admin/releases/release/"])
def test_a_session_cookie_holding_a_nul_is_a_400(admin_client, releases, path):
    admin_client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    with nul_kept_from_the_database():
        response = admin_client.get(path)
    assert response.status_code == 400
    assert "a NUL character in the cookie 'sessionid'" in response.text


@pytest.mark.parametrize(
    "model_admin", admin.site._registry.values(), ids=lambda model_admin: str(model_admin)
)
@pytest.mark.parametrize("chosen", ["abc", "1.5", "٢", "9" * 30])
def test_an_admin_action_on_rows_that_are_not_ids_is_a_400(
    admin_client, releases, model_admin, chosen
):
    options = model_admin.model._meta
    changelist = reverse(f"admin:{options.app_label}_{options.model_name}_changelist")
    request = RequestFactory().get(changelist)
    request.user = User.objects.get(username="admin")
    for action in model_admin.get_actions(request):
        form = {"action": action, "_selected_action": [chosen], "index": "0"}
        response = admin_client.post(changelist, form)
        assert response.status_code == 400, action
        assert "must be ids" in response.text


def queries_out_of_range(options):
    """Return query strings a change list of the model *options* may be given that no
    row can match: years no date has, and numbers too large for any column."""
    huge = "9" * 30
    queries = [f"id__in={huge}"]
    for field in options.concrete_fields:
        queries.append(f"{field.name}={huge}")
        if isinstance(field, DateField):  # a DateTimeField is one too
            name = field.name
            years = ["0", "-1", "00", "1", "9999", "10000", "99999999999"]
            queries += [f"{name}__year={year}" for year in years]
            queries += [
                f"{name}__year=9999&{name}__month=12",
                f"{name}__year=9999&{name}__month=12&{name}__day=31",
            ]
    return queries


@pytest.mark.parametrize(
    "model_admin", admin.site._registry.values(), ids=lambda model_admin: str(model_admin)
)
def test_a_change_list_filtered_out_of_range_answers_as_to_any_bad_filter(
    admin_client, releases, model_admin
):
    """Every change list, filtered by each of its dates in a year no date has, and
    by numbers too large for a column: the admin's own answer, never a 500."""
    options = model_admin.model._meta
    changelist = reverse(f"admin:{options.app_label}_{options.model_name}_changelist")
    # A server error answers 500 here, so that all of them are listed at once.
    admin_client.raise_request_exception = False
    answers = {
        query: admin_client.get(changelist, QUERY_STRING=query)
        for query in queries_out_of_range(options)
    }
    statuses = {
        query: (response.status_code, response.get("Location"))
        for query, response in answers.items()
    }
    allowed = {(200, None), (302, f"{changelist}?e=1"), (400, None)}
    assert {query: status for query, status in statuses.items() if status not in allowed} == {}


@pytest.mark.parametrize("format", ["atom", "rss", "csv", "json"])
def test_a_page_the_list_lacks_is_a_404_in_every_format(client, releases, format):
    assert client.get(LIST, {"format": format, "page": "1"}).status_code == 200
    response = client.get(LIST, {"format": format, "page": "1000"})
    assert response.status_code == 404
    assert response.json()["errors"]["page"] == [
        "This list has no such page; its first page is "
        f"http://testserver/briefing-room/?format={format}"
    ]

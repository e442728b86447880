"""sitemap.xml and robots.txt, as a crawler reads them."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def locations(response):
    return [element.text for element in ET.fromstring(response.content).findall(".//s:loc", NS)]


def test_sitemap_index_lists_releases_and_lists(client, make_release):
    make_release(modified_at=datetime.datetime(2022, 5, 1, 12, tzinfo=datetime.UTC))
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert locations(response) == [
        "http://testserver/sitemap-releases.xml",
        "http://testserver/sitemap-lists.xml",
    ]
    assert b"<lastmod>2022-05-01" in response.content


def test_release_sitemap_has_every_published_release(client, make_release):
    shown = make_release(date=datetime.date(2020, 1, 2))
    make_release(published_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1))
    response = client.get("/sitemap-releases.xml")
    assert locations(response) == [f"http://testserver{shown.get_absolute_url()}"]


def test_list_sitemap_has_the_room_its_categories_and_years(client, make_release):
    make_release(category="press-briefings", date=datetime.date(2020, 1, 2))
    make_release(date=datetime.date(2021, 1, 2))
    assert locations(client.get("/sitemap-lists.xml")) == [
        "http://testserver/briefing-room/",
        "http://testserver/briefing-room/press-briefings/",
        "http://testserver/briefing-room/statements-releases/",
        "http://testserver/briefing-room/2020/",
        "http://testserver/briefing-room/2021/",
    ]


def test_sitemap_index_does_not_load_every_release(client, make_release, later):
    make_release()
    with CaptureQueriesContext(connection) as one:
        client.get("/sitemap.xml")
    for _ in range(30):
        make_release()
    later()
    with CaptureQueriesContext(connection) as many:
        client.get("/sitemap.xml")
    assert len(many) == len(one)


def test_robots_txt_points_to_the_sitemap_and_keeps_out_of_the_admin(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.text.splitlines()
    assert "Disallow: /admin/" in lines
    assert lines[-1] == "Sitemap: http://testserver/sitemap.xml"

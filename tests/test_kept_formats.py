"""Addresses and dates kept per value (``addresses.py``, ``templatetags/kept_formats.py``)
read as Django's own tags and filters would, whatever was kept before."""

import datetime
import zoneinfo

from django.template import Context, Template
from django.urls import set_script_prefix
from django.utils import timezone, translation

from releases.addresses import address

MOMENT = datetime.datetime(2021, 3, 1, 3, 0, tzinfo=datetime.UTC)


def shown(template, **context):
    return Template("{% load kept_formats %}" + template).render(Context(context))


def test_a_kept_date_is_shown_in_the_time_zone_of_the_page():
    written = "{{ moment|kept_date:'F j, Y, g:i a' }}"
    with timezone.override("America/New_York"):
        assert shown(written, moment=MOMENT) == "February 28, 2021, 10:00 p.m."
    with timezone.override("UTC"):
        assert shown(written, moment=MOMENT) == "March 1, 2021, 3:00 a.m."


def test_a_kept_date_is_written_as_the_date_filter_writes_it():
    for format_string in ("c", "F j, Y", "F Y", "Y-m-d", "Y/m/d", "F j, Y, g:i a"):
        values = (MOMENT, None, "") if "g" in format_string else (MOMENT, MOMENT.date(), None, "")
        for value in values:
            django = shown(f"{{{{ value|date:'{format_string}' }}}}", value=value)
            assert shown(f"{{{{ value|kept_date:'{format_string}' }}}}", value=value) == django


def test_a_kept_date_names_its_month_in_the_pages_language():
    with translation.override("fr"):
        assert shown("{{ moment|kept_date:'F Y' }}", moment=MOMENT.date()) == "mars 2021"
    assert shown("{{ moment|kept_date:'F Y' }}", moment=MOMENT.date()) == "March 2021"


def test_a_kept_address_starts_with_the_script_prefix_it_is_served_under():
    assert address("releases:category", category="blog") == "/briefing-room/blog/"
    set_script_prefix("/site/")
    try:
        assert address("releases:category", category="blog") == "/site/briefing-room/blog/"
        assert shown("{% address 'releases:list' %}") == "/site/briefing-room/"
    finally:
        set_script_prefix("/")
    assert address("releases:category", category="blog") == "/briefing-room/blog/"


def test_a_kept_time_in_the_hour_the_clocks_go_back_keeps_its_own_offset():
    zone = zoneinfo.ZoneInfo("America/New_York")
    daylight = datetime.datetime(2021, 11, 7, 1, 30, tzinfo=zone)
    standard = daylight.replace(fold=1)
    assert daylight == standard  # Python's own view of them
    with timezone.override(zone):
        assert shown("{{ t|kept_date:'c' }}", t=daylight) == "2021-11-07T01:30:00-04:00"
        assert shown("{{ t|kept_date:'c' }}", t=standard) == "2021-11-07T01:30:00-05:00"

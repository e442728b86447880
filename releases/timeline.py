"""A list's timeline: its releases counted by month (or year) as the bars of a chart.

The counts are the list's facets' (``facets.counted``): a timeline costs no
query of its own. The template draws the bars as SVG on the server, each a
link to its period of the same list, with a table of the same counts for
screen readers and for readers without images.
"""

import calendar
import dataclasses
import datetime

from releases.facets import FacetCount, linked

# About six years of months: a longer list gets a bar a year, or its bars
# would be too thin to point at on a phone.
MOST_MONTH_BARS = 72
# The chart's drawing area, in the SVG's own units: it is stretched to the
# width of the page and to a fixed height by the stylesheet.
WIDTH = 720.0
HEIGHT = 120.0
# The share of each bar's slot left empty beside it.
GAP = 0.2
# The narrowest a bar's slot is drawn on a phone, in CSS pixels: a fingertip's target
# (WCAG's 24 by 24). Narrower, the chart scrolls sideways within its box.
SLOT_PIXELS = 24


@dataclasses.dataclass(frozen=True)
class Period(FacetCount):
    """A month or a year of the timeline: its name, how many releases fall in it, and
    its first and last days, which narrow a list to it."""

    first_day: datetime.date
    last_day: datetime.date


@dataclasses.dataclass(frozen=True)
class Bar:
    """A period drawn: where, how high, and the address of its period of the list.

    *chosen* is False for a period outside the dates the list is narrowed to
    (its timeline shows every period, as its year facet does). *slot_x* is
    where its slot starts: its link takes the whole slot, gap and all, and
    the chart's height, so that a short bar is as easy to tap as a tall one.
    """

    label: str
    count: int
    address: str
    chosen: bool
    x: float
    y: float
    width: float
    height: float
    slot_x: float


@dataclasses.dataclass(frozen=True)
class Timeline:
    """The bars of a list's timeline, by "month" or by "year", and what the chart says."""

    unit: str
    bars: list
    separators: list  # the x of each new year, on a chart by month

    @property
    def largest(self):
        return max(bar.count for bar in self.bars)

    @property
    def first(self):
        return self.bars[0].label

    @property
    def last(self):
        return self.bars[-1].label

    @property
    def counted_bars(self):
        """The bars of periods with releases: the rows of the chart's table."""
        return [bar for bar in self.bars if bar.count]

    @property
    def slot_width(self):
        return slot_width(len(self.bars))

    @property
    def least_pixels(self):
        """How wide the chart is drawn at the least, in CSS pixels: a phone's width
        when its slots fit, scrolled within its box when they do not."""
        return len(self.bars) * SLOT_PIXELS

    width = WIDTH
    height = HEIGHT


def timeline(month_counts, query, path=""):
    """Return the Timeline of a list counted as *month_counts* ({(year, month): count}),
    or None where its releases fall in one month.

    Each bar links to *path* (the list's own page where empty) with the
    list's query string *query* (a QueryDict) narrowed to its dates.
    """
    counted = {month: count for month, count in month_counts.items() if count}
    if len(counted) < 2:
        return None
    first, last = min(counted), max(counted)
    if (last[0] - first[0]) * 12 + last[1] - first[1] >= MOST_MONTH_BARS:
        periods, unit = year_periods(counted, first[0], last[0]), "year"
    else:
        months = [(year, month) for year in range(first[0], last[0] + 1) for month in range(1, 13)]
        periods = [
            month_period(month, counted.get(month, 0)) for month in months if first <= month <= last
        ]
        unit = "month"
    bars = drawn(periods, query, path)
    return Timeline(unit, bars, year_separators(bars, periods) if unit == "month" else [])


def year_separators(bars, periods):
    """Return the x of the slot of each January but the first bar's."""
    return [
        bar.slot_x
        for bar, period in zip(bars[1:], periods[1:], strict=True)
        if period.first_day.month == 1
    ]


def month_period(month, count):
    """Return the Period of *month* ((year, month)) with *count* releases."""
    year, number = month
    last = calendar.monthrange(year, number)[1]
    first_day = datetime.date(year, number, 1)
    return Period(
        str(first_day), f"{first_day:%B %Y}", count, first_day, first_day.replace(day=last)
    )


def year_periods(counted, first_year, last_year):
    """Return a Period for each year from *first_year* to *last_year* of *counted*."""
    years = dict.fromkeys(range(first_year, last_year + 1), 0)
    for (year, _), count in counted.items():
        years[year] += count
    return [
        Period(str(year), str(year), count, datetime.date(year, 1, 1), datetime.date(year, 12, 31))
        for year, count in years.items()
    ]


def slot_width(number):
    return WIDTH / number


def drawn(periods, query, path):
    """Return a Bar for each of *periods*, as high as its count against the largest."""
    largest = max(period.count for period in periods)
    links = linked(
        periods,
        query,
        lambda period: {
            "date_after": period.first_day.isoformat(),
            "date_before": period.last_day.isoformat(),
        },
    )
    chosen_from, chosen_to = query.get("date_after", ""), query.get("date_before", "\uffff")
    slot = slot_width(len(periods))
    bars = []
    for number, (period, link) in enumerate(zip(periods, links, strict=True)):
        height = round(HEIGHT * period.count / largest, 2)
        bars.append(
            Bar(
                label=period.label,
                count=period.count,
                address=f"{path}{link.address}",
                # ISO dates compare as text; a date written otherwise was redirected.
                chosen=chosen_from <= period.last_day.isoformat()
                and period.first_day.isoformat() <= chosen_to,
                x=round(number * slot + GAP * slot / 2, 2),
                y=round(HEIGHT - height, 2),
                width=round(slot * (1 - GAP), 2),
                height=height,
                slot_x=round(number * slot, 2),
            )
        )
    return bars

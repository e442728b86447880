"""Public pages of the people who speak: a page for each, and an index of them all."""

import functools

from django.http import Http404, HttpResponsePermanentRedirect, QueryDict
from django.urls import reverse
from django.views.generic import ListView, TemplateView

from releases.caching.version import version_for
from releases.filters import categories_on_record
from releases.lists import page_rows
from releases.pagination import DeepPaginator
from releases.timeline import timeline
from releases.transcripts.appearances import everyone, months_of, of_person, releases_of
from releases.transcripts.models import FormerSlug, Person


class SpeakerView(ListView):
    """One person: who they are, how often and when they speak, and their releases,
    newest first, 20 a page."""

    paginate_by = 20
    template_name = "releases/speaker.html"
    context_object_name = "release_list"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.person = Person.objects.filter(slug=kwargs["slug"]).first()

    def get(self, request, *args, **kwargs):
        if self.person is None:
            return moved_to_holder(request, kwargs["slug"])
        return super().get(request, *args, **kwargs)

    @functools.cached_property
    def appearances(self):
        return of_person(self.person, version_for(self.request))

    def get_queryset(self):
        return KeptIds(releases_of(self.person, version_for(self.request)))

    def get_paginator(self, queryset, per_page, **options):
        return DeepPaginator(queryset, per_page, rows=self.releases_by_id, **options)

    def releases_by_id(self, ids):
        return page_rows(ids, categories_on_record(self.request))

    def get_context_data(self, **kwargs):
        # The list page narrowed to this person: where the search box and the bars lead.
        in_list = QueryDict(mutable=True)
        in_list["speaker"] = self.person.slug
        list_address = reverse("releases:list")
        return super().get_context_data(
            person=self.person,
            appearances=self.appearances,
            timeline=timeline(
                months_of(self.person, version_for(self.request)), in_list, list_address
            ),
            in_list=f"{list_address}?{in_list.urlencode()}",
            feed=f"{list_address}?{in_list.urlencode()}&format=atom",
            **kwargs,
        )


class KeptIds:
    """A list of release ids, counted and windowed for DeepPaginator."""

    def __init__(self, ids):
        self.kept = ids

    def count(self):
        return len(self.kept)

    def ids(self, start, stop):
        return self.kept[start:stop]


def moved_to_holder(request, slug):
    """Answer a slug no one has with a 301 to the page of the person who had it before
    (merged into them, or renamed), the page asked for kept; or else a 404."""
    person = FormerSlug.holder(slug)
    if person is None:
        raise Http404("No one speaks under this address.")
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    return HttpResponsePermanentRedirect(f"{person.get_absolute_url()}{query}")


class SpeakerIndexView(TemplateView):
    """Everyone who speaks in the public record, most releases first, with their counts."""

    template_name = "releases/speaker_index.html"

    def get_context_data(self, **kwargs):
        people = everyone(version_for(self.request))
        return super().get_context_data(
            people=[person for person in people if person.releases], **kwargs
        )

"""Publishers keeping the people transcripts name: aliases, new people and merges, each
followed by every release in which they speak."""

import re
import threading

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

from releases.models import Release, Subscription
from releases.transcripts.following import PeopleChanged, follow_people, merge_people
from releases.transcripts.models import Alias, Person, Turn

pytestmark = pytest.mark.django_db

PEOPLE = "/admin/transcripts/person/"
BRIEFING = "MS. PSAKI:  Hello.\n\nQ  A question.\n\nMR. NEWCOMB:  Thank you.\n"


def person_form(person=None, *, name="", slug="", role="", aliases=(), deleted=()):
    """Return the person form's data: *person*'s aliases as they are, less the labels
    *deleted*, and the new labels *aliases*."""
    kept = list(person.aliases.all()) if person else []
    data = {
        "name": person.name if person else name,
        "slug": person.slug if person else slug,
        "role": person.role if person else role,
        "aliases-TOTAL_FORMS": str(len(kept) + len(aliases)),
        "aliases-INITIAL_FORMS": str(len(kept)),
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
    }
    rows = [(alias.pk, alias.label, alias) for alias in kept]
    rows += [("", label, None) for label in aliases]
    for number, (pk, label, alias) in enumerate(rows):
        prefix = f"aliases-{number}-"
        data |= {f"{prefix}id": pk, f"{prefix}label": label}
        for field in ("starts_at", "ends_at"):
            data |= term_fields(f"{prefix}{field}", alias and getattr(alias, field))
        if person is not None:
            data[f"{prefix}person"] = person.pk
        if label in deleted:
            data[f"{prefix}DELETE"] = "on"
    return data


def term_fields(name, moment):
    """Return the admin's date and time fields of *moment*, as a publisher sees them."""
    if moment is None:
        return {f"{name}_0": "", f"{name}_1": ""}
    local = timezone.localtime(moment)
    return {f"{name}_0": f"{local:%Y-%m-%d}", f"{name}_1": f"{local:%H:%M:%S}"}


def speakers_of(release):
    return list(release.turns.values_list("label", "person__slug"))


@pytest.fixture
def publisher_client(client, publisher):
    client.force_login(publisher)
    return client


def test_adding_an_alias_resolves_the_turns_printed_under_it(publisher_client, make_release):
    release = make_release(category="press-briefings", body=BRIEFING)
    psaki = Person.objects.get(slug="jen-psaki")
    assert ("MR. NEWCOMB", None) in speakers_of(release)
    data = person_form(psaki, aliases=["MR. NEWCOMB"])
    assert publisher_client.post(f"{PEOPLE}{psaki.pk}/change/", data).status_code == 302
    assert speakers_of(release) == [
        ("MS. PSAKI", "jen-psaki"),
        ("Q", None),
        ("MR. NEWCOMB", "jen-psaki"),
    ]


def test_removing_an_alias_leaves_its_turns_to_no_one(publisher_client, make_release):
    release = make_release(category="press-briefings", body=BRIEFING)
    psaki = Person.objects.get(slug="jen-psaki")
    data = person_form(psaki, deleted=["MS. PSAKI"])
    assert publisher_client.post(f"{PEOPLE}{psaki.pk}/change/", data).status_code == 302
    assert speakers_of(release)[0] == ("MS. PSAKI", None)


def test_a_new_person_with_an_alias_gets_their_turns_and_a_page(publisher_client, make_release):
    release = make_release(category="press-briefings", body=BRIEFING)
    data = person_form(
        name="Ned Newcomb", slug="ned-newcomb", role="Guest", aliases=["MR. NEWCOMB"]
    )
    assert publisher_client.post(f"{PEOPLE}add/", data).status_code == 302
    assert speakers_of(release)[2] == ("MR. NEWCOMB", "ned-newcomb")
    page = publisher_client.get("/briefing-room/speakers/ned-newcomb/").content.decode()
    assert "<dt>Turns</dt><dd>1</dd>" in page


def test_the_people_list_counts_each_persons_turns(publisher_client, make_release):
    make_release(category="press-briefings", body=BRIEFING)
    make_release(category="press-briefings", body=BRIEFING)
    page = publisher_client.get(f"{PEOPLE}?q=psaki").content.decode()
    assert re.search(r'<td class="field-turn_count">2</td>', page)


def merge(client, people, kept=None):
    data = {"action": "merge", "_selected_action": [person.pk for person in people]}
    if kept is not None:
        data |= {"post": "yes", "kept": kept.pk}
    return client.post(PEOPLE, data, follow=True)


@pytest.fixture
def two_psakis(make_release):
    """Jen Psaki, and a second person made for her by mistake, each with a release."""
    twin = Person.objects.create(name="Jennifer Psaki", slug="jennifer-psaki")
    Alias.objects.create(person=twin, label="MR. NEWCOMB")
    make_release(category="press-briefings", body="MS. PSAKI:  One.\n")
    make_release(category="press-briefings", body="MR. NEWCOMB:  Two.\n\nQ  Three?\n")
    return Person.objects.get(slug="jen-psaki"), twin


def test_merging_asks_whom_to_keep_first(publisher_client, two_psakis):
    response = merge(publisher_client, two_psakis)
    page = response.content.decode()
    assert "Keep which of them?" in page
    assert f'value="{two_psakis[1].pk}"' in page
    assert Person.objects.filter(slug="jennifer-psaki").exists()


def test_merging_moves_turns_and_aliases_and_deletes_the_others(publisher_client, two_psakis):
    kept, twin = two_psakis
    page_before = publisher_client.get("/briefing-room/speakers/jen-psaki/").content.decode()
    assert "<dt>Releases</dt><dd>1</dd>" in page_before
    response = merge(publisher_client, two_psakis, kept=kept)
    assert "Merged 1 into Jen Psaki" in response.content.decode()
    assert not Person.objects.filter(pk=twin.pk).exists()
    assert Turn.objects.filter(person=kept).count() == 2
    assert kept.aliases.filter(key="MR NEWCOMB").exists()
    page_after = publisher_client.get("/briefing-room/speakers/jen-psaki/").content.decode()
    assert "<dt>Releases</dt><dd>2</dd>" in page_after


def test_a_merge_links_each_release_page_to_the_person_kept(publisher_client, two_psakis):
    kept, twin = two_psakis
    release = Release.objects.get(body__startswith="MR. NEWCOMB")
    assert twin.get_absolute_url() in client_page(publisher_client, release)
    merge(publisher_client, two_psakis, kept=kept)
    page = client_page(publisher_client, release)
    assert f'href="{kept.get_absolute_url()}">MR. NEWCOMB</a>' in page
    assert twin.get_absolute_url() not in page


def test_alerts_that_follow_a_person_merged_away_follow_the_person_kept(
    publisher_client, two_psakis
):
    kept, _ = two_psakis
    alert = Subscription.objects.create(
        email="r@example.com", query="q=ports&speaker=jennifer-psaki"
    )
    merge(publisher_client, two_psakis, kept=kept)
    alert.refresh_from_db()
    assert alert.query == "q=ports&speaker=jen-psaki"


def test_alerts_follow_a_persons_new_slug(publisher_client):
    alert = Subscription.objects.create(email="r@example.com", query="speaker=kamala-harris")
    harris = Person.objects.get(slug="kamala-harris")
    data = person_form(harris) | {"slug": "vice-president-harris"}
    assert publisher_client.post(f"{PEOPLE}{harris.pk}/change/", data).status_code == 302
    alert.refresh_from_db()
    assert alert.query == "speaker=vice-president-harris"


def test_a_merge_of_someone_merged_away_meanwhile_is_refused_with_a_message(
    publisher_client, two_psakis
):
    kept, twin = two_psakis
    selected = {"action": "merge", "_selected_action": [kept.pk, twin.pk], "post": "yes"}
    # Another publisher merged the twin into Jen Psaki a moment before.
    merge_people(kept, [kept, twin])
    response = publisher_client.post(PEOPLE, selected | {"kept": twin.pk}, follow=True)
    assert response.status_code == 200
    assert Person.objects.filter(pk=kept.pk).exists()


def test_merging_people_someone_else_removed_meanwhile_changes_nothing(two_psakis):
    kept, twin = two_psakis
    Person.objects.filter(pk=twin.pk).delete()
    with pytest.raises(PeopleChanged):
        merge_people(kept, [kept, twin])
    assert Person.objects.filter(pk=kept.pk).exists()


@pytest.mark.parametrize(
    ("label", "refusal"),
    [
        ("MS. PSAKI", "“MS. PSAKI” already names Jen Psaki for part of this term."),
        ("Q", "“Q” is a reporter or a role that names no one."),
        ("MODERATOR", "“MODERATOR” is a reporter or a role that names no one."),
    ],
)
def test_an_alias_that_cannot_name_this_person_is_refused_by_name(publisher_client, label, refusal):
    harris = Person.objects.get(slug="kamala-harris")
    response = publisher_client.post(
        f"{PEOPLE}{harris.pk}/change/", person_form(harris, aliases=[label])
    )
    assert response.status_code == 200
    assert refusal in response.content.decode()
    assert not harris.aliases.filter(label=label).exists()


def client_page(client, release):
    return client.get(release.get_absolute_url()).content.decode()


def test_merging_refuses_to_keep_someone_not_selected(publisher_client, two_psakis):
    stranger = Person.objects.get(slug="joe-biden")
    response = merge(publisher_client, two_psakis, kept=stranger)
    assert "Choose one of the people selected." in response.content.decode()
    assert Person.objects.filter(slug="jennifer-psaki").exists()


def test_merging_one_person_is_refused_with_a_message(publisher_client, two_psakis):
    response = merge(publisher_client, two_psakis[:1])
    assert "Select two or more people to merge." in response.content.decode()


def test_editors_see_people_but_cannot_merge_them(client, editor, two_psakis):
    client.force_login(editor)
    page = client.get(PEOPLE)
    assert page.status_code == 200
    assert 'value="merge"' not in page.content.decode()
    merge(client, two_psakis, kept=two_psakis[0])
    assert Person.objects.filter(slug="jennifer-psaki").exists()


def test_a_renamed_person_without_a_release_is_renamed_on_their_kept_page(publisher_client, later):
    reader = Client()
    address = "/briefing-room/speakers/kamala-harris/"
    assert "<h1>Kamala Harris</h1>" in reader.get(address).content.decode()
    harris = Person.objects.get(slug="kamala-harris")
    data = person_form(harris) | {"name": "Kamala D. Harris"}
    assert publisher_client.post(f"{PEOPLE}{harris.pk}/change/", data).status_code == 302
    later()
    assert "<h1>Kamala D. Harris</h1>" in reader.get(address).content.decode()


def test_an_alias_whose_term_ends_before_it_starts_is_refused_by_name(publisher_client):
    psaki = Person.objects.get(slug="jen-psaki")
    data = person_form(psaki, aliases=["PRESS SECRETARY JEN"])
    row = f"aliases-{psaki.aliases.count()}-"
    data |= {f"{row}starts_at_0": "2022-05-13", f"{row}starts_at_1": "12:00:00"}
    data |= {f"{row}ends_at_0": "2021-01-20", f"{row}ends_at_1": "12:00:00"}
    response = publisher_client.post(f"{PEOPLE}{psaki.pk}/change/", data)
    assert response.status_code == 200
    assert "A term ends after it starts." in response.content.decode()
    assert not Alias.objects.filter(key="PRESS SECRETARY JEN").exists()


def test_deleting_a_person_leaves_their_turns_to_no_one(publisher_client, make_release):
    release = make_release(category="press-briefings", body=BRIEFING)
    psaki = Person.objects.get(slug="jen-psaki")
    response = publisher_client.post(f"{PEOPLE}{psaki.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert speakers_of(release)[0] == ("MS. PSAKI", None)
    assert publisher_client.get("/briefing-room/speakers/jen-psaki/").status_code == 404


def moved(client, address):
    """Return where *address* answers a reader with a permanent redirect to, or its status."""
    response = client.get(address)
    return response["Location"] if response.status_code == 301 else response.status_code


def test_the_page_of_someone_merged_away_leads_to_the_person_kept(publisher_client, two_psakis):
    kept, _ = two_psakis
    merge(publisher_client, two_psakis, kept=kept)
    reader = Client()
    assert moved(reader, "/briefing-room/speakers/jennifer-psaki/") == (
        "/briefing-room/speakers/jen-psaki/"
    )
    assert moved(reader, "/briefing-room/speakers/jennifer-psaki/?page=2") == (
        "/briefing-room/speakers/jen-psaki/?page=2"
    )
    page = reader.get("/briefing-room/speakers/jennifer-psaki/", follow=True)
    assert "<h1>Jen Psaki</h1>" in page.content.decode()
    assert "<dt>Releases</dt><dd>2</dd>" in page.content.decode()
    listed = reader.get("/briefing-room/", {"speaker": "jennifer-psaki", "q": "two"})
    assert listed.status_code == 301
    assert listed["Location"] == "/briefing-room/?q=two&speaker=jen-psaki"
    named = reader.get("/briefing-room/", {"speaker": "Jen Psaki", "q": "two"})
    assert (named.status_code, named["Location"]) == (302, listed["Location"])


def test_a_persons_old_slug_leads_to_their_new_one(publisher_client):
    harris = Person.objects.get(slug="kamala-harris")
    data = person_form(harris) | {"slug": "vice-president-harris"}
    assert publisher_client.post(f"{PEOPLE}{harris.pk}/change/", data).status_code == 302
    reader = Client()
    assert moved(reader, "/briefing-room/speakers/kamala-harris/") == (
        "/briefing-room/speakers/vice-president-harris/"
    )
    listed = reader.get("/briefing-room/", {"speaker": "kamala-harris"})
    assert listed["Location"] == "/briefing-room/?speaker=vice-president-harris"


def test_merges_one_after_another_lead_every_old_page_to_the_last_person_kept(
    publisher_client, two_psakis
):
    kept, twin = two_psakis
    third = Person.objects.create(name="J. Psaki", slug="j-psaki")
    merge(publisher_client, [kept, twin], kept=kept)
    harris = Person.objects.get(slug="kamala-harris")
    data = person_form(harris) | {"slug": "vice-president-harris"}
    assert publisher_client.post(f"{PEOPLE}{harris.pk}/change/", data).status_code == 302
    merge(publisher_client, [kept, harris, third], kept=third)
    reader = Client()
    for old in ["jennifer-psaki", "jen-psaki", "kamala-harris", "vice-president-harris"]:
        assert (
            moved(reader, f"/briefing-room/speakers/{old}/") == "/briefing-room/speakers/j-psaki/"
        )
    assert Turn.objects.filter(person=third).count() == 2


def test_a_slug_given_up_and_taken_again_belongs_to_the_new_person(
    publisher_client, two_psakis, later
):
    kept, _ = two_psakis
    merge(publisher_client, two_psakis, kept=kept)
    data = person_form(name="Jennifer Psaki", slug="jennifer-psaki", role="Reporter")
    assert publisher_client.post(f"{PEOPLE}add/", data).status_code == 302
    reader = Client()
    page = reader.get("/briefing-room/speakers/jennifer-psaki/")
    assert page.status_code == 200
    assert "<h1>Jennifer Psaki</h1>" in page.content.decode()
    assert reader.get("/briefing-room/", {"speaker": "jennifer-psaki"}).status_code == 200
    # Renamed in turn, it leads to them, not to the person it led to before.
    newcomer = Person.objects.get(slug="jennifer-psaki")
    data = person_form(newcomer) | {"slug": "jennifer-psaki-reporter"}
    assert publisher_client.post(f"{PEOPLE}{newcomer.pk}/change/", data).status_code == 302
    later()
    assert moved(reader, "/briefing-room/speakers/jennifer-psaki/") == (
        "/briefing-room/speakers/jennifer-psaki-reporter/"
    )


def test_the_old_pages_of_a_person_deleted_are_gone_with_them(publisher_client, two_psakis):
    kept, _ = two_psakis
    merge(publisher_client, two_psakis, kept=kept)
    assert publisher_client.post(f"{PEOPLE}{kept.pk}/delete/", {"post": "yes"}).status_code == 302
    reader = Client()
    assert moved(reader, "/briefing-room/speakers/jennifer-psaki/") == 404
    assert moved(reader, "/briefing-room/speakers/jen-psaki/") == 404
    assert reader.get("/briefing-room/", {"speaker": "jennifer-psaki"}).status_code == 400


def messages_of(answer):
    return [str(message) for message in answer.context["messages"]]


def newcombs():
    """Two people made for one, the second printed under a label of its own; made here,
    as a test of transactions finds the people the seed migration adds flushed away."""
    kept = Person.objects.create(name="Ned Newcomb", slug="ned-newcomb")
    twin = Person.objects.create(name="Edward Newcomb", slug="edward-newcomb")
    Alias.objects.create(person=twin, label="MR. NEWCOMB")
    return kept, twin


def in_thread(work):
    """Start *work* in a thread of its own, with its own database connection; return it."""

    def run():
        try:
            work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def until_someone_waits_for_a_lock(alongside=None):
    """Return once another connection waits for a row lock (on PostgreSQL; SQLite shows
    none of it, and takes its write lock at each transaction's start), or once the
    thread *alongside*, if given, has ended."""
    if connection.vendor != "postgresql":
        return
    waiting = (
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with connection.cursor() as cursor:
        for _ in range(10_000):
            if alongside is not None and not alongside.is_alive():
                return
            cursor.execute(waiting)
            if cursor.fetchone()[0]:
                return
            threading.Event().wait(0.01)
    raise AssertionError("no one waited for the locks held")


def answer_while_held_open(hold, act):
    """Run *hold* in a transaction in a thread, held open until *act*, run in another,
    waits for its locks; then commit it, and return what *act* returned."""
    held, commit, answers = threading.Event(), threading.Event(), []

    def holding():
        with transaction.atomic():
            hold()
            held.set()
            commit.wait()

    holder = in_thread(holding)
    held.wait()
    acting = in_thread(lambda: answers.append(act()))
    until_someone_waits_for_a_lock()
    commit.set()
    holder.join()
    acting.join()
    (answer,) = answers
    return answer


@pytest.mark.django_db(transaction=True)
def test_aliases_saved_into_a_person_merged_away_that_moment_are_refused_with_a_message(
    admin_client,
):
    kept, twin = newcombs()
    form = person_form(twin, aliases=["EDWARD NEWCOMB"])
    answer = answer_while_held_open(
        lambda: merge_people(kept, [kept, twin]),
        lambda: admin_client.post(f"{PEOPLE}{twin.pk}/change/", form, follow=True),
    )
    assert answer.status_code == 200
    assert messages_of(answer) == [
        f"person with ID “{twin.pk}” doesn’t exist. Perhaps it was deleted?"
    ]
    assert list(Person.objects.filter(slug__contains="newcomb").values_list("slug", flat=True)) == [
        "ned-newcomb"
    ]
    assert list(Alias.objects.filter(key__contains="NEWCOMB").values_list("key", "person")) == [
        ("MR NEWCOMB", kept.pk)
    ]


def test_aliases_saved_into_a_person_merged_away_since_the_form_opened_are_refused(
    publisher_client,
):
    kept, twin = newcombs()
    form = person_form(twin, aliases=["EDWARD NEWCOMB"])
    merge_people(kept, [kept, twin])
    answer = publisher_client.post(f"{PEOPLE}{twin.pk}/change/", form, follow=True)
    assert messages_of(answer) == [
        f"person with ID “{twin.pk}” doesn’t exist. Perhaps it was deleted?"
    ]
    assert not Person.objects.filter(pk=twin.pk).exists()
    assert not Alias.objects.filter(key="EDWARD NEWCOMB").exists()


@pytest.mark.django_db(transaction=True)
def test_merges_of_two_people_in_opposite_directions_at_once_refuse_the_second(admin_client):
    kept, twin = newcombs()
    answer = answer_while_held_open(
        lambda: merge_people(kept, [kept, twin]),
        lambda: merge(admin_client, [kept, twin], kept=twin),
    )
    assert answer.status_code == 200
    changed = "Someone else changed these people meanwhile: nothing was merged. Select them again."
    # SQLite shows no lock waited for: the action may read the people after the
    # first merge commits, and find one left, or before, and find them changed.
    refusals = (
        [[changed]]
        if connection.vendor == "postgresql"
        else [[changed], ["Select two or more people to merge."]]
    )
    assert messages_of(answer) in refusals
    assert list(Person.objects.filter(slug__contains="newcomb").values_list("slug", flat=True)) == [
        "ned-newcomb"
    ]


@pytest.mark.django_db(transaction=True)
def test_a_merge_moves_the_aliases_saved_into_a_person_merged_away_that_moment(admin_client):
    kept, twin = newcombs()

    def save_an_alias():
        list(Person.objects.select_for_update().filter(pk=twin.pk).values_list("pk"))
        Alias.objects.create(person=twin, label="EDWARD NEWCOMB")

    answer = answer_while_held_open(
        save_an_alias, lambda: merge(admin_client, [kept, twin], kept=kept)
    )
    assert messages_of(answer) == ["Merged 1 into Ned Newcomb: 0 release(s) follow."]
    assert sorted(Alias.objects.filter(key__contains="NEWCOMB").values_list("key", "person")) == [
        ("EDWARD NEWCOMB", kept.pk),
        ("MR NEWCOMB", kept.pk),
    ]


def test_an_alias_too_long_once_in_capitals_is_refused_by_name(publisher_client):
    harris = Person.objects.get(slug="kamala-harris")
    label = "ß" * 100
    response = publisher_client.post(
        f"{PEOPLE}{harris.pk}/change/", person_form(harris, aliases=[label])
    )
    assert response.status_code == 200
    assert "is too long once in capitals (at most 100 characters)" in response.content.decode()
    assert not harris.aliases.filter(label=label).exists()


@pytest.mark.django_db(transaction=True)
def test_one_label_added_to_two_people_at_once_is_refused_to_the_second(admin_client, monkeypatch):
    kept, twin = newcombs()
    saved, commit, answers = threading.Event(), threading.Event(), {}
    first = []

    def follow_then_wait(release_ids):
        follow_people(release_ids)
        if threading.current_thread() is first[0]:
            saved.set()
            commit.wait()

    monkeypatch.setattr("releases.admin.people.follow_people", follow_then_wait)

    def add_label(person):
        form = person_form(person, aliases=["MR. SMITH"])
        answers[person.slug] = admin_client.post(f"{PEOPLE}{person.pk}/change/", form)

    first.append(in_thread(lambda: add_label(kept)))
    saved.wait()
    second = in_thread(lambda: add_label(twin))
    until_someone_waits_for_a_lock(alongside=second)
    commit.set()
    first[0].join()
    second.join()
    assert answers["ned-newcomb"].status_code == 302
    assert answers["edward-newcomb"].status_code == 200
    assert "“MR. SMITH” already names Ned Newcomb" in answers["edward-newcomb"].content.decode()
    assert list(Alias.objects.filter(key="MR SMITH").values_list("person", flat=True)) == [kept.pk]

"""The people the archive names most, with the labels they are printed under.

Roles (THE PRESIDENT, THE VICE PRESIDENT, THE FIRST LADY, THE SECOND GENTLEMAN)
name whoever held them when a release was published: each term ends, and
the next begins, at noon Eastern time on Inauguration Day.
"""

import datetime

from django.db import migrations

# Noon Eastern time (UTC-5) on each Inauguration Day.
TERMS = {
    2017: datetime.datetime(2017, 1, 20, 17, tzinfo=datetime.UTC),
    2021: datetime.datetime(2021, 1, 20, 17, tzinfo=datetime.UTC),
    2025: datetime.datetime(2025, 1, 20, 17, tzinfo=datetime.UTC),
    2029: datetime.datetime(2029, 1, 20, 17, tzinfo=datetime.UTC),
}
# (name, slug, role, labels always theirs, {role label: [(first term year, last term year)]})
PEOPLE = [
    ("Joseph R. Biden Jr.", "joe-biden", "President",
     ["PRESIDENT BIDEN", "PRESIDENT JOE BIDEN", "PRESIDENT JOSEPH R. BIDEN JR."],
     {"THE PRESIDENT": [(2021, 2025)]}),
    ("Donald J. Trump", "donald-trump", "President",
     ["PRESIDENT TRUMP", "PRESIDENT DONALD J. TRUMP"],
     {"THE PRESIDENT": [(2017, 2021), (2025, 2029)]}),
    ("Kamala Harris", "kamala-harris", "Vice President",
     ["VICE PRESIDENT HARRIS", "VICE PRESIDENT KAMALA HARRIS"],
     {"THE VICE PRESIDENT": [(2021, 2025)]}),
    ("Mike Pence", "mike-pence", "Vice President", ["VICE PRESIDENT PENCE"],
     {"THE VICE PRESIDENT": [(2017, 2021)]}),
    ("JD Vance", "jd-vance", "Vice President", ["VICE PRESIDENT VANCE"],
     {"THE VICE PRESIDENT": [(2025, 2029)]}),
    ("Jill Biden", "jill-biden", "First Lady",
     ["DR. BIDEN", "DR. JILL BIDEN", "FIRST LADY JILL BIDEN", "MRS. BIDEN"],
     {"THE FIRST LADY": [(2021, 2025)]}),
    ("Melania Trump", "melania-trump", "First Lady",
     ["MRS. TRUMP", "FIRST LADY MELANIA TRUMP"],
     {"THE FIRST LADY": [(2017, 2021), (2025, 2029)]}),
    ("Douglas Emhoff", "doug-emhoff", "Second Gentleman",
     ["MR. EMHOFF", "SECOND GENTLEMAN EMHOFF", "SECOND GENTLEMAN DOUG EMHOFF"],
     {"THE SECOND GENTLEMAN": [(2021, 2025)]}),
    ("Usha Vance", "usha-vance", "Second Lady", ["MRS. VANCE", "SECOND LADY USHA VANCE"],
     {"THE SECOND LADY": [(2025, 2029)]}),
    ("Jen Psaki", "jen-psaki", "Press Secretary",
     ["MS. PSAKI", "PRESS SECRETARY PSAKI", "PRESS SECRETARY JEN PSAKI"], {}),
    ("Karine Jean-Pierre", "karine-jean-pierre", "Press Secretary",
     ["MS. JEAN-PIERRE", "PRESS SECRETARY JEAN-PIERRE", "PRESS SECRETARY KARINE JEAN-PIERRE"],
     {}),
    ("Karoline Leavitt", "karoline-leavitt", "Press Secretary",
     ["MS. LEAVITT", "PRESS SECRETARY LEAVITT", "PRESS SECRETARY KAROLINE LEAVITT"], {}),
    ("Jake Sullivan", "jake-sullivan", "National Security Advisor",
     ["MR. SULLIVAN", "NATIONAL SECURITY ADVISOR SULLIVAN",
      "NATIONAL SECURITY ADVISOR JAKE SULLIVAN"], {}),
    ("Mike Waltz", "mike-waltz", "National Security Advisor",
     ["MR. WALTZ", "NATIONAL SECURITY ADVISOR WALTZ", "NATIONAL SECURITY ADVISOR MIKE WALTZ"], {}),
    ("John Kirby", "john-kirby", "National Security Communications Advisor",
     ["MR. KIRBY", "ADMIRAL KIRBY", "REAR ADMIRAL KIRBY"], {}),
    ("Jeff Zients", "jeff-zients", "White House COVID-19 Response Coordinator",
     ["MR. ZIENTS", "COORDINATOR ZIENTS"], {}),
    ("Andy Slavitt", "andy-slavitt", "Senior Advisor, COVID-19 Response",
     ["MR. SLAVITT", "ACTING ADMINISTRATOR SLAVITT", "ACTING ADMINSTRATOR SLAVITT",
      "ACTING ADMINISTRATION SLAVITT"], {}),
    ("Anthony Fauci", "anthony-fauci", "Chief Medical Advisor to the President",
     ["DR. FAUCI", "MR. FAUCI"], {}),
    ("Rochelle Walensky", "rochelle-walensky", "Director of the CDC", ["DR. WALENSKY"], {}),
    ("Marcella Nunez-Smith", "marcella-nunez-smith", "Chair, COVID-19 Health Equity Task Force",
     ["DR. NUNEZ-SMITH"], {}),
    ("Ashish Jha", "ashish-jha", "White House COVID-19 Response Coordinator", ["DR. JHA"], {}),
    ("Vivek Murthy", "vivek-murthy", "Surgeon General",
     ["DR. MURTHY", "SURGEON GENERAL MURTHY"], {}),
]  # fmt: skip


def seed(apps, schema_editor):
    """Add the people and their aliases, keys as labels.normalized writes them."""
    from releases.transcripts.labels import normalized

    Person = apps.get_model("transcripts", "Person")
    Alias = apps.get_model("transcripts", "Alias")
    for name, slug, role, labels, roles in PEOPLE:
        person, _ = Person.objects.get_or_create(slug=slug, defaults={"name": name, "role": role})
        aliases = [Alias(person=person, label=label) for label in labels]
        aliases += [
            Alias(person=person, label=label, starts_at=TERMS[first], ends_at=TERMS[last])
            for label, terms in roles.items()
            for first, last in terms
        ]
        for alias in aliases:
            alias.key = normalized(alias.label)
        Alias.objects.bulk_create(aliases)


def unseed(apps, schema_editor):
    apps.get_model("transcripts", "Person").objects.filter(
        slug__in=[slug for _, slug, *_ in PEOPLE]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("transcripts", "0001_turns_and_people")]

    operations = [migrations.RunPython(seed, unseed)]

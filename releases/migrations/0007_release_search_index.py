"""A full-text index of release titles and bodies, kept in step by the database itself.

PostgreSQL: a stored generated tsvector column (title weighted A, body B)
with a GIN index. SQLite: an FTS5 table over the release table, maintained
by triggers. Either way every write is indexed, whether it comes from the
importer's COPY, the admin or a DELETE, with nothing for the code to forget.
"""

import django.db.models.deletion
from django.db import migrations, models

from releases.migrations._database_search import (
    POSTGRESQL_BACKWARD,
    POSTGRESQL_FORWARD,
    SQLITE_BACKWARD,
    SQLITE_FORWARD,
    run,
)


class Migration(migrations.Migration):
    dependencies = [("releases", "0006_release_category_indexed_by_address")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRESQL_FORWARD, "sqlite": SQLITE_FORWARD}),
            run({"postgresql": POSTGRESQL_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "release",
                    models.OneToOneField(
                        db_column="rowid",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_entry",
                        serialize=False,
                        to="releases.release",
                    ),
                ),
                ("document", models.TextField(db_column="release_search")),
            ],
            options={"db_table": "release_search", "managed": False},
        ),
    ]

"""The search index moves out of the database (releases/search/): a journal of
changes takes the place of PostgreSQL's tsvector column and GIN index and of
SQLite's FTS5 table and its triggers, which every insert paid for."""

from django.db import migrations, models

from releases.migrations import _database_search as database_search


class Migration(migrations.Migration):
    dependencies = [("releases", "0021_former_permalinks")]

    operations = [
        migrations.CreateModel(
            name="SearchJournalEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("release_id", models.BigIntegerField()),
            ],
            options={"verbose_name_plural": "search journal entries"},
        ),
        migrations.DeleteModel(name="SearchEntry"),
        migrations.RunPython(
            database_search.run(
                {
                    "postgresql": database_search.POSTGRESQL_BACKWARD,
                    "sqlite": database_search.SQLITE_BACKWARD,
                }
            ),
            database_search.run(
                {
                    "postgresql": database_search.POSTGRESQL_FORWARD,
                    "sqlite": database_search.SQLITE_FORWARD,
                }
            ),
        ),
    ]

"""Compress release bodies with lz4 on PostgreSQL (see releases.db.column_compression)."""

from django.db import migrations

from releases.db.column_compression import set_compression

TABLE = "releases_release"
COLUMNS = ["body", "body_html"]


class Migration(migrations.Migration):
    dependencies = [("releases", "0002_import_runs_redirects_source")]

    operations = [
        migrations.RunPython(
            set_compression(TABLE, COLUMNS, "lz4"), set_compression(TABLE, COLUMNS, "pglz")
        ),
    ]

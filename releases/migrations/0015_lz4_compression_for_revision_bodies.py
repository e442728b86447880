"""Compress the bodies kept in revisions with lz4 on PostgreSQL, as releases' own are.

Every release an import creates or changes also writes a revision holding its
body, so the revisions' compression weighs on every import as the releases' does.
"""

from django.db import migrations

from releases.db.column_compression import set_compression

TABLE = "releases_historicalrelease"
COLUMNS = ["body"]


class Migration(migrations.Migration):
    dependencies = [("releases", "0014_admin_listing_index")]

    operations = [
        migrations.RunPython(
            set_compression(TABLE, COLUMNS, "lz4"), set_compression(TABLE, COLUMNS, "pglz")
        ),
    ]

"""Keep each release's rendering beside it (releases.rendering.Rendering): the columns,
lz4 for the large ones on PostgreSQL, and every stored release rendered, in batches."""

from django.db import migrations, models

from releases.db.column_compression import set_compression
from releases.rendered import render_stored

TABLE = "releases_release"
COLUMNS = ["rendered_html", "rendered_text"]


def render_every_release(apps, schema_editor):
    render_stored(apps.get_model("releases", "Release").objects.all())


class Migration(migrations.Migration):
    dependencies = [("releases", "0023_stopped_subscriptions")]

    operations = [
        migrations.AddField(
            model_name="release",
            name="rendered_html",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="release",
            name="rendered_summary",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="release",
            name="rendered_text",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="release",
            name="rendered_under",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="The renderer's settings the body was rendered under.",
            ),
        ),
        migrations.RunPython(
            set_compression(TABLE, COLUMNS, "lz4"), set_compression(TABLE, COLUMNS, "pglz")
        ),
        migrations.RunPython(render_every_release, migrations.RunPython.noop),
    ]

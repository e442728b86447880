"""The renderings kept beside stored releases, rendered again in bulk.

Each release's body is rendered when it is saved or imported; migration 0024
rendered the releases stored before, and ``manage.py render_releases`` renders
again those rendered under other settings (a new RENDERER_VERSION, other image
hosts), which readers would otherwise render one by one on first use.
"""

from django.db.models import Q

from releases.rendering import Rendering, renderer_settings

# Releases read and written at once: memory stays bounded whatever the archive's size.
BATCH_SIZE = 500


def stale(releases):
    """Return those of *releases* not rendered under the current settings."""
    return releases.filter(~Q(rendered_under=renderer_settings()))


def render_stored(releases, on_batch=None, people=None):
    """Render the body of each of *releases* and keep it in its row; return how many.

    A row is written only if its body is still the one rendered, so that a
    save meanwhile (which renders its own) is never overwritten. *on_batch* is
    called with each batch's size. A transcript's speakers are linked to the
    pages of the *people* they name (People), or to none without them.
    """
    done, last = 0, 0
    while True:
        batch = releases.filter(pk__gt=last).order_by("pk")
        rows = list(batch.values_list("pk", "body", "published_at")[:BATCH_SIZE])
        if not rows:
            return done
        for pk, body, published_at in rows:
            rendering = Rendering.of(body, people.at(published_at) if people else None)
            releases.model.objects.filter(pk=pk, body=body).update(
                rendered_html=rendering.html,
                rendered_text=rendering.text,
                rendered_summary=rendering.summary,
                rendered_under=rendering.settings,
            )
        done, last = done + len(rows), rows[-1][0]
        if on_batch:
            on_batch(len(rows))

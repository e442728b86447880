"""Front-matter keys read under the names of the release's fields.

The archive as published today calls the category ``tags`` and the permalink
``source_url``; those two are recognised by themselves. Any other name is read
as a field only when staff say so, as ``KEY=FIELD`` (``import_release --map``,
or the admin upload's *Other key names*).
"""

import re

from releases.importing.errors import ReleaseError

KNOWN_KEYS = frozenset(
    {"title", "category", "date", "published_time", "modified_time", "permalink"}
)
# Today's layout, in the order the note names them. Recognised only where the
# file lacks the field: any other guess could read a key that means something else.
CURRENT_LAYOUT = {"tags": "category", "source_url": "permalink"}
MAPPING_SEPARATORS = re.compile(r"[,\n]")


def read_keys(fields, key_map):
    """Rename keys of *fields* in place: *key_map*'s, then today's layout's where the
    file lacks the field and *key_map* does not name the key.

    Return the (key, field) pairs renamed, in order.
    """
    renamed = []
    for source, target in key_map.items():
        if source not in fields:
            continue
        if target in fields:
            raise ReleaseError(f"{source}: both {source} and {target} are given")
        fields[target] = fields.pop(source)
        renamed.append((source, target))
    for source, target in CURRENT_LAYOUT.items():
        if source in fields and target not in fields and source not in key_map:
            fields[target] = fields.pop(source)
            renamed.append((source, target))
    return tuple(renamed)


def key_mapping(value):
    """Return (KEY, FIELD) from one ``KEY=FIELD``; raise ValueError with a one-line reason."""
    source, _, target = (part.strip() for part in value.partition("="))
    if not source or target not in KNOWN_KEYS:
        raise ValueError(
            f"{value.strip()!r} is not KEY=FIELD with FIELD one of {', '.join(sorted(KNOWN_KEYS))}"
        )
    return source, target


def key_mappings(text):
    """Return the {KEY: FIELD} of the ``KEY=FIELD`` entries in *text*, separated by
    commas or lines; raise ValueError naming the first that is not one."""
    entries = (entry for entry in MAPPING_SEPARATORS.split(text) if entry.strip())
    return dict(key_mapping(entry) for entry in entries)


def keys_read_as(pairs):
    """Return the note that says which keys were read as which fields."""
    return "keys read as: " + ", ".join(f"{source} → {target}" for source, target in pairs)

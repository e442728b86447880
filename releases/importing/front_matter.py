"""Split a release file into YAML front matter and body, and load the YAML safely."""

import re

import frontmatter
import yaml

from releases.importing.errors import ReleaseError

MAX_NESTING = 20
# Far above any real release's front matter (a few hundred characters), far
# below what keeps the YAML loader busy for seconds.
MAX_FRONT_MATTER_CHARACTERS = 64 * 1024
# Aliases need '&' and '*'; deep flow nesting needs '[' or '{'. Front matter
# without any of them is loaded by libyaml, which is much faster.
CHARACTERS_NEEDING_CHECKS = frozenset("&*[{")


class StrictSafeLoader(yaml.SafeLoader):
    """A safe loader that also refuses aliases and deep nesting.

    Aliases are how YAML "billion laughs" bombs grow; release files never
    need them.
    """

    depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.MarkedYAMLError(problem="aliases are not allowed", problem_mark=mark)
        self.depth += 1
        if self.depth > MAX_NESTING:
            mark = self.peek_event().start_mark
            raise yaml.MarkedYAMLError(
                problem=f"nested more than {MAX_NESTING} levels deep", problem_mark=mark
            )
        node = super().compose_node(parent, index)
        self.depth -= 1
        return node


class ReleaseHandler(frontmatter.YAMLHandler):
    """Front matter between two '---' lines, loaded with StrictSafeLoader."""

    # Only the delimiter line itself: the default pattern's trailing \s*
    # would swallow the body's leading blank lines.
    FM_BOUNDARY = re.compile(r"^---[ \t]*$", re.MULTILINE)

    def load(self, fm):
        if CHARACTERS_NEEDING_CHECKS.isdisjoint(fm):
            return yaml.load(fm, Loader=yaml.CSafeLoader)
        return yaml.load(fm, Loader=StrictSafeLoader)


handler = ReleaseHandler()


def split_front_matter(text):
    """Return (front matter text, body) of *text*; the body exactly as written."""
    if not handler.detect(text):
        raise ReleaseError("no front matter: the file must start with a '---' line")
    try:
        front_matter, body = handler.split(text)
    except ValueError:
        raise ReleaseError("front matter is not closed by a second '---' line") from None
    if len(front_matter) > MAX_FRONT_MATTER_CHARACTERS:
        raise ReleaseError(
            f"front matter is longer than the {MAX_FRONT_MATTER_CHARACTERS:,} character limit"
        )
    return front_matter, body.removeprefix("\n")


def load_front_matter(front_matter):
    """Return the front matter's mapping, or raise ReleaseError saying why not."""
    try:
        fields = handler.load(front_matter)
    except yaml.MarkedYAMLError as exc:
        # The front matter's first line is the rest of the opening '---' line.
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ReleaseError(f"line {line}: invalid YAML: {one_line(exc.problem)}") from None
    except yaml.reader.ReaderError as exc:
        raise ReleaseError(
            f"invalid YAML: {exc.reason} {exc.character!r} at character {exc.position}"
        ) from None
    except yaml.YAMLError as exc:
        raise ReleaseError(f"invalid YAML: {one_line(exc)}") from None
    except RecursionError:
        raise ReleaseError(f"invalid YAML: nested more than {MAX_NESTING} levels deep") from None
    except Exception as exc:
        # PyYAML's constructors raise plain exceptions for a value that does
        # not fit its tag, such as `!!int x` or a timestamp offset of +99:00.
        raise ReleaseError(f"invalid YAML value: {one_line(exc)}") from None
    if not isinstance(fields, dict):
        raise ReleaseError("front matter is not a mapping of keys to values")
    if nested_deeper_than(fields, MAX_NESTING):
        # libyaml, the fast path, builds block-style nesting of any depth.
        raise ReleaseError(f"invalid YAML: nested more than {MAX_NESTING} levels deep")
    return fields


def nested_deeper_than(value, limit):
    """Return whether *value* nests lists and mappings more than *limit* levels deep."""
    level = [value]
    for _ in range(limit):
        level = [child for item in level for child in children(item)]
        if not level:
            return False
    return True


def children(value):
    if isinstance(value, dict):
        return value.values()
    if isinstance(value, list):
        return value
    return ()


def one_line(value):
    return " ".join(str(value).split())

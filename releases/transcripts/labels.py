"""Speakers' labels as the archive prints them, and the roles no one is named by."""

import re

# Printed with and without the period of a title, curly or straight apostrophes.
STRAY_MARKS = re.compile(r"[.\s]+")
# A reporter's question, and roles that hide a name: a turn of these is
# attributed to the role, never guessed to be a person.
REPORTER = "Q"
ANONYMOUS_ROLES = frozenset({
    "SENIOR ADMINISTRATION OFFICIAL", "ADMINISTRATION OFFICIAL", "SENIOR WHITE HOUSE OFFICIAL",
    "WHITE HOUSE OFFICIAL", "SENIOR OFFICIAL", "MODERATOR", "OPERATOR", "AUDIENCE MEMBER",
    "AUDIENCE MEMBERS", "AUDIENCE", "PARTICIPANT", "PARTICIPANTS", "AIDE", "WHITE HOUSE AIDE",
    "STAFF", "REPORTER", "REPORTERS", "INTERPRETER", "NARRATOR", "CROWD", "PHOTOJOURNALIST",
    "STUDENT", "STUDENTS", "PRESS", "SPEAKER",
})  # fmt: skip


def normalized(label):
    """Return *label* as aliases are kept: capitals, without periods, one space apart."""
    text = label.upper().replace("’", "'")
    return " ".join(STRAY_MARKS.sub(" ", text).split())


def is_anonymous(label):
    """Whether *label* is a reporter or a role that names no one."""
    key = normalized(label)
    return key == REPORTER or key in ANONYMOUS_ROLES

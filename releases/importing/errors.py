"""The one error a release file can raise: a reason a reader can act on."""


class ReleaseError(ValueError):
    """Why a file cannot be imported as a release, in one line."""

"""The one exception family that pages, API and CLI render the same way."""

from __future__ import annotations


class ApplicationError(Exception):
    """An error whose message is safe and useful to show to the user as it is."""

    status = 400

    def __init__(self, message: str, *, extra: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class IngestError(ApplicationError):
    """An official file could not be read: the message names the file, place and expectation."""


class CodebookMissing(ApplicationError):
    """No codebook has been built or activated yet."""

    status = 503


class ReleaseNotFound(ApplicationError):
    """No release of a code system is in effect for the date asked, or the id is unknown."""

    status = 404


class CodeNotFound(ApplicationError):
    """A code does not exist in the release asked for."""

    status = 404

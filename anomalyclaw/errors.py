"""Root exception of the project and its shared subclasses.

Every package raises a subclass of :class:`AnomalyClawError`; CLIs catch it at the
edge, print its one-line message and exit with code 2 (bad input) — never a traceback.
"""

from __future__ import annotations


class AnomalyClawError(Exception):
    """Root of every error this project raises on purpose.

    Attributes:
        hint: what the user can do about it (printed after the message).
    """

    exit_code: int = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:  # one line, with the fix when known
        base = super().__str__()
        return f"{base} ({self.hint})" if self.hint else base


class InputError(AnomalyClawError):
    """Bad user input: a missing file, malformed JSON, an unknown domain, a bad URL."""


class RecordError(InputError):
    """A record file or one record in it is malformed.

    Attributes:
        path: the file that holds it.
        item_id: the item, when the problem is one record.
    """

    def __init__(self, message: str, *, path: str | None = None, item_id: str | None = None,
                 hint: str | None = None) -> None:
        where = path or "<records>"
        if item_id:
            where = f"{where} [{item_id}]"
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = path
        self.item_id = item_id

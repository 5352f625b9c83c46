"""Where Table 1 gets its records: a swappable source of named runs.

Today the only source is a list of records directories (``--records DIR``). A later
issue adds the run store (``db.Store``) as the default when no directory is given:
it will be another :class:`RecordSource`, chosen in :func:`default_source`, and the
table code will not change.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Protocol

from anomalyclaw.errors import InputError
from anomalyclaw.record import Record
from eval.records import load_records_dir

__all__ = ["DirectorySource", "NamedRecords", "NoRecordsError", "RecordSource", "default_source"]


class NamedRecords(NamedTuple):
    """One run's records with the name its table row gets.

    Attributes:
        name: row label, e.g. ``'qwen35vl27b_v12_test'``.
        origin: where they came from (a path or a run id), for messages.
        records: every record read, before the paper's filter.
    """

    name: str
    origin: str
    records: list[Record]


class RecordSource(Protocol):
    """Anything that yields named runs of records."""

    def runs(self) -> Iterator[NamedRecords]:
        """Yield each run's records, loading lazily (errors surface when reached)."""
        ...


class NoRecordsError(InputError):
    """No records were given and no default source exists yet."""


@dataclass(frozen=True)
class DirectorySource:
    """Records directories, one run each; names default to the directory names.

    Attributes:
        dirs: records directories (``<domain>.json`` files inside).
        names: row names, one per directory, or empty for the directory names.
    """

    dirs: Sequence[Path]
    names: Sequence[str] = ()

    def __post_init__(self) -> None:
        if self.names and len(self.names) != len(self.dirs):
            raise InputError(f"got {len(self.names)} --name for {len(self.dirs)} --records; "
                             "give one name per records directory or none")

    def runs(self) -> Iterator[NamedRecords]:
        """Load each directory in turn."""
        names = list(self.names) or [_dir_name(d) for d in self.dirs]
        for name, path in zip(names, self.dirs, strict=True):
            yield NamedRecords(name, str(path), load_records_dir(path))


def _dir_name(path: Path) -> str:
    return Path(path).resolve().name or str(path)


def default_source() -> RecordSource:
    """The source used when no ``--records`` is given.

    Raises:
        NoRecordsError: always, until the run store lands (later issue).
    """
    raise NoRecordsError(
        "no records given",
        hint="pass --records DIR, a folder of <domain>.json files such as "
             "../shared/upstream/results/qwen35vl27b_v12_test; repeat --records to compare runs")

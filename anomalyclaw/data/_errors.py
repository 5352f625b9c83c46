"""Errors of the data package: one root, one subclass per thing a user can fix."""

from __future__ import annotations

from anomalyclaw.errors import InputError


class DataError(InputError):
    """Root of every error the data package raises on purpose."""


class UnknownDomainError(DataError):
    """A domain code that is not D1..D12."""


class DataRootError(DataError):
    """No data root configured, or it is not a directory."""


class PathEscapeError(DataError):
    """A manifest path leaves the data root (through '..', an absolute path or a symlink)."""


class ManifestError(DataError):
    """A manifest file is malformed or disagrees with the split ids."""


class DataMissingError(DataError):
    """Real data was asked for but some of its image files are missing."""

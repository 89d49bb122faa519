"""Exceptions raised by stance. Every message names the file (and line) it is about."""

from __future__ import annotations


class StanceError(Exception):
    """Base class for errors the CLI reports without a traceback."""


class InputError(StanceError):
    """A file or record that cannot be read."""

    def __init__(self, message: str, source: str | None = None, line: int | None = None):
        self.source = source
        self.line = line
        where = source or ""
        if line is not None:
            where = f"{where}:{line}" if where else f"line {line}"
        super().__init__(f"{where}: {message}" if where else message)


class ModelError(StanceError):
    """A model directory that is missing, incomplete or incompatible."""


class DataError(StanceError):
    """A corpus that cannot be found or parsed."""

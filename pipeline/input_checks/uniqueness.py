"""Identifiers that must name one article across the corpus."""

from __future__ import annotations


class DoiRegister:
    """DOIs are case-insensitive and name one article each; the first claim wins, so the
    later record of a clash is the one reported."""

    def __init__(self) -> None:
        self._owners: dict[str, str] = {}

    def claim(self, doi: str, owner: str) -> str | None:
        """Register ``doi`` for ``owner``; return the other owner if it already has one."""
        first = self._owners.setdefault(doi.lower(), owner)
        return None if first == owner else first

"""The record contract: JSON Schemas (2020-12, written in YAML) for journal.yaml, article and
repository records. Shipped inside the package so an installed wheel can read records; the
top-level ``schemas/`` of a checkout is a link to this directory, where users look for it."""

from __future__ import annotations

from importlib import resources

KINDS = ("article", "journal", "repository")


def schema_text(kind: str) -> bytes:
    """The bytes of ``<kind>.schema.yaml`` (also what incremental fingerprints hash)."""
    if kind not in KINDS:
        raise ValueError(f"no record schema for {kind!r}; known: {', '.join(KINDS)}")
    return resources.files(__package__).joinpath(f"{kind}.schema.yaml").read_bytes()

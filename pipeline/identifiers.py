"""Identifiers in the forms editors paste, checked and turned into their canonical forms."""

from __future__ import annotations

import re

from stdnum import issn as stdnum_issn
from stdnum.iso7064 import mod_11_2

_ORCID = re.compile(r"^(?:(?:https?://)?orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dXx])$")
_ROR = re.compile(r"^(?:(?:https?://)?ror\.org/)?(0[a-hj-km-np-tv-z0-9]{6}\d{2})$")
_DOI = re.compile(r"^(?:(?:https?://)?(?:dx\.)?doi\.org/|doi:)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
_FUNDER = re.compile(r"^(?:(?:https?://)?(?:dx\.)?doi\.org/)?(10\.13039/\d+)$")
_ISSN = re.compile(r"^(\d{4})-?(\d{3}[\dXx])$")


def orcid_checksum_ok(orcid: str) -> bool:
    """ISO 7064 MOD 11-2 over the 15 digits, as ORCID specifies (python-stdnum's implementation)."""
    return mod_11_2.is_valid(orcid.replace("-", "").upper())


def canonical_orcid(value: str) -> str | None:
    match = _ORCID.match(value.strip())
    return f"https://orcid.org/{match.group(1).upper()}" if match else None


def canonical_ror(value: str) -> str | None:
    match = _ROR.match(value.strip())
    return f"https://ror.org/{match.group(1)}" if match else None


def canonical_doi(value: str) -> str | None:
    """The bare DOI (``10.5555/x``). DOIs are case-insensitive; we keep the editor's case."""
    match = _DOI.match(value.strip())
    return match.group(1) if match else None


def canonical_funder_id(value: str) -> str | None:
    match = _FUNDER.match(value.strip())
    return f"https://doi.org/{match.group(1)}" if match else None


def issn_checksum_ok(issn: str) -> bool:
    """The ISSN's MOD 11 check digit (python-stdnum's implementation)."""
    return stdnum_issn.is_valid(issn)


def canonical_issn(value: str) -> str | None:
    match = _ISSN.match(value.strip())
    return f"{match.group(1)}-{match.group(2).upper()}" if match else None

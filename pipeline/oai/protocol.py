"""OAI-PMH 2.0 request rules: which arguments each verb takes, how values must look, which
error code a bad request gets, and the resumption tokens of list requests.

Everything here is pure (no store, no HTTP), so the error table can be tested directly and the
WSGI app (:mod:`pipeline.server.oai_app`) only maps a parsed request onto the store.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

DATESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # OAI-PMH UTCdatetimeType, seconds granularity

# OAI-PMH.xsd setSpecType and metadataPrefixType: components of these characters (unreserved
# URI characters), a setSpec's joined by ":".
SPEC_CHARACTERS = r"A-Za-z0-9\-_.!~*'()"
SET_SPEC = re.compile(rf"[{SPEC_CHARACTERS}]+(:[{SPEC_CHARACTERS}]+)*")
METADATA_PREFIX = re.compile(rf"[{SPEC_CHARACTERS}]+")

ERROR_CODES = (
    "badArgument",
    "badResumptionToken",
    "badVerb",
    "cannotDisseminateFormat",
    "idDoesNotExist",
    "noRecordsMatch",
    "noMetadataFormats",
    "noSetHierarchy",
)


def format_datestamp(moment: datetime) -> str:
    """UTC, seconds granularity: ``YYYY-MM-DDThh:mm:ssZ``. A naive datetime is taken as UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime(DATESTAMP_FORMAT)


def parse_datestamp(text: str) -> datetime:
    return datetime.strptime(text, DATESTAMP_FORMAT).replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class VerbArguments:
    required: frozenset[str]
    optional: frozenset[str]
    exclusive: str | None = None  # an argument that must stand alone (resumptionToken)


def _args(required: Iterable[str] = (), optional: Iterable[str] = (), exclusive: str | None = None) -> VerbArguments:
    return VerbArguments(frozenset(required), frozenset(optional), exclusive)


VERBS: dict[str, VerbArguments] = {
    "Identify": _args(),
    "ListMetadataFormats": _args(optional=["identifier"]),
    "ListSets": _args(exclusive="resumptionToken"),
    "GetRecord": _args(required=["identifier", "metadataPrefix"]),
    "ListIdentifiers": _args(required=["metadataPrefix"], optional=["from", "until", "set"], exclusive="resumptionToken"),
    "ListRecords": _args(required=["metadataPrefix"], optional=["from", "until", "set"], exclusive="resumptionToken"),
}

LIST_VERBS = ("ListIdentifiers", "ListRecords")

# Characters XML 1.0 can carry: a value outside them cannot be echoed in <request>.
_XML_CHARS = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


class OaiError(Exception):
    """A protocol error: the response carries ``<error code="...">message</error>``."""

    def __init__(self, code: str, message: str):
        assert code in ERROR_CODES, code
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @property
    def echoes_arguments(self) -> bool:
        """badVerb and badArgument responses must not echo the arguments (spec 3.6)."""
        return self.code not in ("badVerb", "badArgument")


@dataclass(frozen=True)
class Request:
    verb: str
    arguments: dict[str, str]  # every argument except verb, each validated

    @property
    def resumption_token(self) -> str | None:
        return self.arguments.get("resumptionToken")


@dataclass(frozen=True)
class DateRange:
    """``from``/``until`` as seconds-granularity datestamps (inclusive), either may be None."""

    from_: str | None
    until: str | None


def parse_request(pairs: list[tuple[str, str]]) -> Request:
    """Validate the decoded query (or form) pairs; raise :class:`OaiError` for a bad request."""
    verbs = [value for name, value in pairs if name == "verb"]
    if not verbs:
        raise OaiError("badVerb", "the verb argument is missing")
    if len(verbs) > 1:
        raise OaiError("badVerb", "the verb argument is repeated")
    verb = verbs[0]
    if verb not in VERBS:
        raise OaiError("badVerb", "the value of the verb argument is not a legal OAI-PMH verb")
    rules = VERBS[verb]

    arguments: dict[str, str] = {}
    for name, value in pairs:
        if name == "verb":
            continue
        if name in arguments:
            raise OaiError("badArgument", f"the argument {_describe(name)} is repeated")
        arguments[name] = value
    allowed = rules.required | rules.optional | ({rules.exclusive} if rules.exclusive else set())
    unknown = sorted(name for name in arguments if name not in allowed)
    if unknown:
        raise OaiError("badArgument", f"{verb} does not take the argument {_describe(unknown[0])}")
    if rules.exclusive and rules.exclusive in arguments:
        if len(arguments) > 1:
            raise OaiError("badArgument", f"{rules.exclusive} is an exclusive argument and must stand alone")
    else:
        missing = sorted(rules.required - arguments.keys())
        if missing:
            raise OaiError("badArgument", f"{verb} requires the argument {missing[0]}")
    for name, value in arguments.items():
        _check_value(name, value)
    if "from" in arguments or "until" in arguments:
        date_range(arguments)  # granularity and order
    return Request(verb, arguments)


def _describe(name: str) -> str:
    """An argument name for an error message, safe to put in XML."""
    return repr(name) if _XML_CHARS.fullmatch(name) else "with a name that is not XML text"


def _check_value(name: str, value: str) -> None:
    if value == "":
        raise OaiError("badArgument", f"the argument {name} is empty")
    if not _XML_CHARS.fullmatch(value):
        raise OaiError("badArgument", f"the argument {name} contains characters XML cannot carry")
    if name == "metadataPrefix" and not METADATA_PREFIX.fullmatch(value):
        raise OaiError("badArgument", "metadataPrefix is not a valid metadata prefix")
    if name == "set" and not SET_SPEC.fullmatch(value):
        raise OaiError("badArgument", "set is not a valid setSpec")
    if name == "identifier" and any(char.isspace() for char in value):
        raise OaiError("badArgument", "identifier is not a URI (it contains white space)")
    if name in ("from", "until"):
        _parse_date(name, value)


def _parse_date(name: str, value: str) -> tuple[datetime, str]:
    """(moment, granularity) of a from/until value; granularity is "day" or "seconds"."""
    if _DAY.fullmatch(value):
        pattern, granularity = "%Y-%m-%d", "day"
    elif _SECONDS.fullmatch(value):
        pattern, granularity = "%Y-%m-%dT%H:%M:%SZ", "seconds"
    else:
        raise OaiError("badArgument", f"{name} is not a date of the form YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ")
    try:
        moment = datetime.strptime(value, pattern).replace(tzinfo=timezone.utc)
    except ValueError:
        raise OaiError("badArgument", f"{name} is not a valid date") from None
    return moment, granularity


def date_range(arguments: dict[str, str]) -> DateRange:
    """The inclusive datestamp range of a list request. A day-granularity ``until`` covers the
    whole day; ``from`` and ``until`` of different granularity, or ``from`` after ``until``,
    are a badArgument."""
    from_ = until = None
    granularities = set()
    if "from" in arguments:
        moment, granularity = _parse_date("from", arguments["from"])
        granularities.add(granularity)
        from_ = format_datestamp(moment)
    if "until" in arguments:
        moment, granularity = _parse_date("until", arguments["until"])
        granularities.add(granularity)
        until = format_datestamp(moment)
        if granularity == "day":
            until = until[:10] + "T23:59:59Z"
    if len(granularities) > 1:
        raise OaiError("badArgument", "from and until have different granularities")
    if from_ is not None and until is not None and from_ > until:
        raise OaiError("badArgument", "from is later than until")
    return DateRange(from_, until)


# Resumption tokens ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ListState:
    """Where a list request stands: its query, the snapshot bound and the keyset position.

    ``until`` is the effective upper bound: the request's own ``until`` or, if earlier, the
    store's latest datestamp when the list began. Every later publish stamps its changes
    strictly after that, so the pages of one walk never return an item twice.
    """

    verb: str
    prefix: str
    set_spec: str | None
    from_: str | None
    until: str
    after: tuple[str, str] | None  # (datestamp, identifier) of the last item returned
    cursor: int  # how many items the earlier pages returned
    expires: str  # datestamp after which the token is refused


def encode_token(state: ListState, secret: bytes) -> str:
    """An opaque token: the state as compact JSON, base64url, and an HMAC-SHA256 over it with
    the store's secret, so a harvester cannot forge or alter a position."""
    payload = json.dumps(
        [state.verb, state.prefix, state.set_spec, state.from_, state.until,
         list(state.after) if state.after else None, state.cursor, state.expires],
        separators=(",", ":"), ensure_ascii=True,
    ).encode("ascii")
    body = _b64(payload)
    return f"{body}.{_b64(_mac(secret, body))}"


def decode_token(token: str, secret: bytes, verb: str, now: datetime) -> ListState:
    """The state in ``token``; badResumptionToken if it is forged, altered, for another verb
    or expired."""
    bad = OaiError("badResumptionToken", "the resumptionToken is invalid or has expired")
    body, dot, signature = token.partition(".")
    if not dot:
        raise bad
    try:
        expected = _mac(secret, body)
        if not hmac.compare_digest(_unb64(signature), expected):
            raise bad
        fields = json.loads(_unb64(body))
        state_verb, prefix, set_spec, from_, until, after, cursor, expires = fields
        state = ListState(
            verb=str(state_verb), prefix=str(prefix), set_spec=set_spec, from_=from_, until=str(until),
            after=(str(after[0]), str(after[1])) if after else None, cursor=int(cursor), expires=str(expires),
        )
    except OaiError:
        raise
    except (ValueError, TypeError, IndexError, binascii.Error, UnicodeError):
        raise bad from None
    if state.verb != verb or format_datestamp(now) > state.expires:
        raise bad
    return state


def _mac(secret: bytes, body: str) -> bytes:
    return hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest()[:20]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

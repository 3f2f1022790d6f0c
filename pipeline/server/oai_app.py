"""The OAI-PMH 2.0 endpoint: a WSGI application over the record store.

``make_app(db_path)`` returns a plain WSGI callable serving ``/oai`` (GET, HEAD and
form-encoded POST), so it runs under any WSGI server; :func:`pipeline.server.serve` (what
``pipeline serve`` calls) runs it with waitress. Every request reads the store in its own
snapshot, so a publish is visible at once. A bad request is answered with the protocol's error
element (HTTP 200), never a server error.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import parse_qsl
from wsgiref.util import request_uri

from lxml import etree

from pipeline.oai import protocol
from pipeline.oai.formats import FORMATS
from pipeline.oai.protocol import ListState, OaiError, Request
from pipeline.oai.protocol import format_datestamp
from pipeline.store.oai_store import StoreUnavailable, StoreView, open_store

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_IDENTIFIER_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
SCHEMA_LOCATION = f"{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_IDENTIFIER_LOCATION = f"{OAI_IDENTIFIER_NS} http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
CONTENT_TYPE = "text/xml; charset=utf-8"
PATHS = ("/oai", "/oai/")
MAX_BODY = 64 * 1024  # a form-encoded OAI-PMH request is a few hundred bytes

# oai-identifier.xsd: repositoryIdentifierType and sampleIdentifierType.
_REPOSITORY_IDENTIFIER = r"[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+"
_SAMPLE_LOCAL = r"[a-zA-Z0-9\-_.!~*'();/?:@&=+$,%]+"

log = logging.getLogger(__name__)

# Stored metadata is our own output; still parse it without DTDs, entities or network.
_METADATA_PARSER = etree.XMLParser(load_dtd=False, resolve_entities=False, no_network=True, huge_tree=True)


def _oai(name: str) -> str:
    return f"{{{OAI_NS}}}{name}"


class OaiApp:
    """The WSGI callable. ``clock`` returns the current UTC time (tests inject a fixed one)."""

    def __init__(
        self,
        db_path: str | Path,
        page_size: int = 100,
        clock: Callable[[], datetime] | None = None,
        token_lifetime: timedelta = timedelta(hours=24),
    ):
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.store = open_store(db_path)  # a SQLite path or a postgresql:// URL
        self.page_size = page_size
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.token_lifetime = token_lifetime

    # WSGI -----------------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            return self._handle(environ, start_response)
        except StoreUnavailable as exc:  # the database went away: a harvester retries on 503
            log.error("%s", exc)
            return _plain(start_response, "503 Service Unavailable", "the record store is unavailable\n")
        except Exception:  # a bug must not leak a traceback to the client
            log.exception("OAI-PMH request failed")
            return _plain(start_response, "500 Internal Server Error", "internal error\n")

    def _handle(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") not in PATHS:
            return _plain(start_response, "404 Not Found", "OAI-PMH is served at /oai\n")
        method = environ.get("REQUEST_METHOD", "GET")
        if method in ("GET", "HEAD"):
            pairs = _decode_pairs(_native_to_bytes(environ.get("QUERY_STRING", "")))
        elif method == "POST":
            content_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY:
                return _plain(start_response, "413 Content Too Large", "request body too large\n")
            body = environ["wsgi.input"].read(length) if length else b""
            if content_type != "application/x-www-form-urlencoded":
                pairs = OaiError("badArgument", "a POST request must be application/x-www-form-urlencoded")
            else:
                pairs = _decode_pairs(body)
        else:
            start_response("405 Method Not Allowed", [("Allow", "GET, HEAD, POST"), ("Content-Type", "text/plain")])
            return [b"method not allowed\n"]
        body = self.respond(pairs, environ)
        start_response("200 OK", [("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(body)))])
        return [] if method == "HEAD" else [body]

    # OAI-PMH --------------------------------------------------------------------------------

    def respond(self, pairs: list[tuple[str, str]] | OaiError, environ: dict | None = None) -> bytes:
        """The response document for the decoded request arguments."""
        now = self.clock()
        with self.store.view() as view:
            identity = view.identity()
            base_url = identity.base_url if identity else _request_base_url(environ)
            root = etree.Element(_oai("OAI-PMH"), nsmap={None: OAI_NS, "xsi": XSI_NS})
            root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
            etree.SubElement(root, _oai("responseDate")).text = format_datestamp(now)
            request_element = etree.SubElement(root, _oai("request"))
            request_element.text = base_url
            request: Request | None = None
            try:
                if isinstance(pairs, OaiError):
                    raise pairs
                request = protocol.parse_request(pairs)
                if request.verb == "Identify":
                    verb_element = self._Identify(request, view, now, base_url)
                else:
                    verb_element = getattr(self, f"_{request.verb}")(request, view, now)
            except OaiError as error:
                if request is not None and error.echoes_arguments:
                    _echo(request_element, request)
                error_element = etree.SubElement(root, _oai("error"), code=error.code)
                error_element.text = error.message
            else:
                _echo(request_element, request)
                root.append(verb_element)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def _Identify(self, request: Request, view: StoreView, now: datetime, base_url: str) -> etree._Element:
        identity = view.identity()
        element = etree.Element(_oai("Identify"))

        def sub(name: str, text: str) -> None:
            etree.SubElement(element, _oai(name)).text = text

        sub("repositoryName", identity.repository_name if identity else "OAI-PMH repository (not yet published)")
        sub("baseURL", base_url)
        sub("protocolVersion", "2.0")
        sub("adminEmail", identity.admin_email if identity else "postmaster@localhost.localdomain")
        # An empty store: every future datestamp is later than now, so now is a true lower bound.
        sub("earliestDatestamp", view.earliest_datestamp() or format_datestamp(now))
        sub("deletedRecord", "persistent")
        sub("granularity", "YYYY-MM-DDThh:mm:ssZ")
        if identity is not None:
            description = _oai_identifier_description(identity.namespace, view.first_identifier())
            if description is not None:
                etree.SubElement(element, _oai("description")).append(description)
        return element

    def _ListMetadataFormats(self, request: Request, view: StoreView, now: datetime) -> etree._Element:
        prefixes = list(FORMATS)
        identifier = request.arguments.get("identifier")
        if identifier is not None:
            if view.item_state(identifier) is None:
                raise OaiError("idDoesNotExist", "no item has this identifier")
            held = set(view.item_prefixes(identifier))
            prefixes = [prefix for prefix in prefixes if prefix in held]
            if not prefixes:
                raise OaiError("noMetadataFormats", "the item has no metadata formats")
        element = etree.Element(_oai("ListMetadataFormats"))
        for prefix in prefixes:
            fmt = FORMATS[prefix]
            format_element = etree.SubElement(element, _oai("metadataFormat"))
            etree.SubElement(format_element, _oai("metadataPrefix")).text = fmt.prefix
            etree.SubElement(format_element, _oai("schema")).text = fmt.schema
            etree.SubElement(format_element, _oai("metadataNamespace")).text = fmt.namespace
        return element

    def _ListSets(self, request: Request, view: StoreView, now: datetime) -> etree._Element:
        if request.resumption_token is not None:
            # The set list is always answered whole, so no token was ever issued for it.
            raise OaiError("badResumptionToken", "ListSets issues no resumptionToken")
        sets = view.sets()
        if not sets:
            raise OaiError("noSetHierarchy", "the repository does not support sets")
        element = etree.Element(_oai("ListSets"))
        for spec, name in sets:
            set_element = etree.SubElement(element, _oai("set"))
            etree.SubElement(set_element, _oai("setSpec")).text = spec
            etree.SubElement(set_element, _oai("setName")).text = name
        return element

    def _GetRecord(self, request: Request, view: StoreView, now: datetime) -> etree._Element:
        identifier = request.arguments["identifier"]
        prefix = request.arguments["metadataPrefix"]
        if view.item_state(identifier) is None:
            raise OaiError("idDoesNotExist", "no item has this identifier")
        row = view.record(identifier, prefix) if prefix in FORMATS else None
        if row is None:
            raise OaiError("cannotDisseminateFormat", f"the item is not available as {prefix}")
        element = etree.Element(_oai("GetRecord"))
        element.append(_record(row))
        return element

    def _ListIdentifiers(self, request: Request, view: StoreView, now: datetime) -> etree._Element:
        return self._list(request, view, now, with_metadata=False)

    def _ListRecords(self, request: Request, view: StoreView, now: datetime) -> etree._Element:
        return self._list(request, view, now, with_metadata=True)

    def _list(self, request: Request, view: StoreView, now: datetime, with_metadata: bool) -> etree._Element:
        secret = view.token_secret()
        token = request.resumption_token
        if token is not None:
            state = protocol.decode_token(token, secret, request.verb, now)
        else:
            prefix = request.arguments["metadataPrefix"]
            if prefix not in FORMATS:
                raise OaiError("cannotDisseminateFormat", f"the repository does not disseminate {prefix}")
            set_spec = request.arguments.get("set")
            if set_spec is not None and not view.has_sets():
                raise OaiError("noSetHierarchy", "the repository does not support sets")
            dates = protocol.date_range(request.arguments)
            latest = view.max_datestamp()
            if latest is None:
                raise OaiError("noRecordsMatch", "the repository holds no records")
            state = ListState(
                verb=request.verb, prefix=prefix, set_spec=set_spec, from_=dates.from_,
                until=min(dates.until, latest) if dates.until else latest,
                after=None, cursor=0, expires="",
            )
        rows = view.page(state.prefix, state.set_spec, state.from_, state.until, state.after,
                         self.page_size + 1, with_metadata)
        if not rows:
            raise OaiError("noRecordsMatch", "no records match the request")
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        element = etree.Element(_oai(request.verb))
        for row in rows:
            element.append(_record(row) if with_metadata else _header(row))
        if more or token is not None:
            total = view.count(state.prefix, state.set_spec, state.from_, state.until)
            token_element = etree.SubElement(element, _oai("resumptionToken"))
            token_element.set("completeListSize", str(max(total, state.cursor + len(rows))))
            token_element.set("cursor", str(state.cursor))
            if more:
                expires = format_datestamp(now + self.token_lifetime)
                next_state = ListState(
                    verb=state.verb, prefix=state.prefix, set_spec=state.set_spec, from_=state.from_,
                    until=state.until, after=(rows[-1].datestamp, rows[-1].identifier),
                    cursor=state.cursor + len(rows), expires=expires,
                )
                token_element.set("expirationDate", expires)
                token_element.text = protocol.encode_token(next_state, secret)
        return element


def make_app(db_path: str | Path, page_size: int = 100, clock: Callable[[], datetime] | None = None) -> OaiApp:
    """The OAI-PMH WSGI application over the store at ``db_path`` (a SQLite file, created if
    missing, or a ``postgresql://`` URL)."""
    return OaiApp(db_path, page_size=page_size, clock=clock)


def app_from_environment() -> OaiApp:
    """A factory for WSGI servers that take one without arguments
    (``waitress-serve --call pipeline.server.oai_app:app_from_environment``, or
    ``gunicorn -w 4 'pipeline.server.oai_app:app_from_environment()'``): the store is
    ``$PIPELINE_OAI_DB`` (default ``out/oai.sqlite3``; a ``postgresql://`` URL for a store that
    several server processes share), the page size ``$PIPELINE_OAI_PAGE_SIZE``."""
    return make_app(
        os.environ.get("PIPELINE_OAI_DB", "out/oai.sqlite3"),
        page_size=int(os.environ.get("PIPELINE_OAI_PAGE_SIZE", "100")),
    )


# Response pieces ------------------------------------------------------------------------------


def _echo(request_element: etree._Element, request: Request) -> None:
    request_element.set("verb", request.verb)
    for name in sorted(request.arguments):
        request_element.set(name, request.arguments[name])


def _header(row) -> etree._Element:
    header = etree.Element(_oai("header"))
    if row.deleted:
        header.set("status", "deleted")
    etree.SubElement(header, _oai("identifier")).text = row.identifier
    etree.SubElement(header, _oai("datestamp")).text = row.datestamp
    for spec in row.set_specs:
        etree.SubElement(header, _oai("setSpec")).text = spec
    return header


def _record(row) -> etree._Element:
    record = etree.Element(_oai("record"))
    record.append(_header(row))
    if not row.deleted and row.xml is not None:
        etree.SubElement(record, _oai("metadata")).append(etree.fromstring(row.xml, _METADATA_PARSER))
    return record


def _oai_identifier_description(namespace: str, first_identifier: str | None) -> etree._Element | None:
    """The oai-identifier description, or None if the namespace is not a valid repository
    identifier (the description would then be invalid)."""
    if not re.fullmatch(_REPOSITORY_IDENTIFIER, namespace):
        return None
    sample_pattern = re.compile(rf"oai:{re.escape(namespace)}:{_SAMPLE_LOCAL}")
    candidates = ([first_identifier] if first_identifier else []) + [f"oai:{namespace}:journal/article"]
    sample = next(candidate for candidate in candidates if sample_pattern.fullmatch(candidate))
    nsmap = {None: OAI_IDENTIFIER_NS, "xsi": XSI_NS}
    element = etree.Element(f"{{{OAI_IDENTIFIER_NS}}}oai-identifier", nsmap=nsmap)
    element.set(f"{{{XSI_NS}}}schemaLocation", OAI_IDENTIFIER_LOCATION)
    for name, text in (("scheme", "oai"), ("repositoryIdentifier", namespace), ("delimiter", ":"),
                       ("sampleIdentifier", sample)):
        etree.SubElement(element, f"{{{OAI_IDENTIFIER_NS}}}{name}").text = text
    return element


def _decode_pairs(raw: bytes) -> list[tuple[str, str]] | OaiError:
    """The arguments of a query string or form body; a badArgument for bytes that are not
    UTF-8 (raw or percent-encoded)."""
    try:
        text = raw.decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        return OaiError("badArgument", "the request arguments are not UTF-8 text")


def _native_to_bytes(text: str) -> bytes:
    """A WSGI native string back to the bytes the client sent (PEP 3333: latin-1)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:  # a server that decoded the query as UTF-8 already
        return text.encode("utf-8", errors="replace")


def _request_base_url(environ: dict | None) -> str:
    if not environ:
        return "http://127.0.0.1/oai"
    try:
        return request_uri(environ, include_query=False)
    except Exception:  # a malformed Host header
        return "http://127.0.0.1/oai"


def _plain(start_response: Callable, status: str, text: str) -> list[bytes]:
    body = text.encode("utf-8")
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]

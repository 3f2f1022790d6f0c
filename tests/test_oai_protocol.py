"""The OAI-PMH endpoint in-process: every verb, every error code, paging and tokens, fuzzed
requests. Every response is checked against OAI-PMH.xsd (records against oai_dc.xsd, jats
records against the JATS DTD) by :func:`oai_get`. The store fixtures are parametrized: the
whole module runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from pipeline.output_checks.oai import check_response
from pipeline.model import Multilingual
from pipeline.server.oai_app import make_app
from pipeline.oai.protocol import ERROR_CODES, ListState, decode_token, encode_token
from pipeline.store.oai_store import open_store

from . import factories
from .oai_fixtures import OAI, at, call, error_code, item_for, oai_get, publish, sample_articles

JOURNAL = factories.journal()
NOW = at("2024-06-01T12:00:00")
ID = "oai:journal.example.org:tjh/a{:03d}"


@pytest.fixture(scope="module")
def db(new_store_location):
    """Five articles published on 2024-05-01, a006 published then deleted on 2024-05-02,
    a003 changed on 2024-05-03, and one oai_dc-only item and one item without formats."""
    path = new_store_location("oai")
    store = open_store(path)
    articles = sample_articles(7)
    publish(store, articles[:5] + articles[6:], JOURNAL, at("2024-05-01T10:00:00"))
    publish(store, articles[:5], JOURNAL, at("2024-05-02T10:00:00"))
    articles[3] = replace(articles[3], title=Multilingual((("en", "Changed"),)))
    publish(store, articles[:5], JOURNAL, at("2024-05-03T10:00:00"))
    with store.transaction(at("2024-05-03T10:00:00")) as tx:
        identifier, specs, digest, formats = item_for(replace(articles[0], id="dc-only"), JOURNAL)
        tx.upsert(identifier, specs, digest, {"oai_dc": formats["oai_dc"]})
        tx.upsert("oai:journal.example.org:tjh/no-formats", ("tjh",), "empty", {})
    store.close()
    return path


@pytest.fixture(scope="module")
def app(db):
    return make_app(db, page_size=2, clock=lambda: NOW)


@pytest.fixture(scope="module")
def empty_app(new_store_location):
    return make_app(new_store_location("empty"), clock=lambda: NOW)


@pytest.fixture(scope="module")
def setless_app(new_store_location):
    path = new_store_location("setless")
    store = open_store(path)
    with store.transaction(at("2024-05-01T00:00:00")) as tx:
        tx.set_identity(JOURNAL.oai)
        identifier, _, digest, formats = item_for(factories.minimal_article(), JOURNAL)
        tx.upsert(identifier, (), digest, formats)
    return make_app(path, clock=lambda: NOW)


def walk(app, verb: str, **arguments) -> tuple[list[etree._Element], list[etree._Element]]:
    """Follow resumption tokens to the end: (items, resumptionToken elements)."""
    query = {"verb": verb, **arguments}
    items, tokens = [], []
    for _ in range(100):
        document = oai_get(app, query)
        assert error_code(document) is None, etree.tostring(document)
        container = document.find(f"{OAI}{verb}")
        items += container.findall(f"{OAI}record" if verb == "ListRecords" else f"{OAI}header")
        token = container.find(f"{OAI}resumptionToken")
        if token is None or not token.text:
            if token is not None:
                tokens.append(token)
            return items, tokens
        tokens.append(token)
        query = {"verb": verb, "resumptionToken": token.text}
    raise AssertionError("the list did not end")


def identifiers(items) -> list[str]:
    return [item.findtext(f".//{OAI}identifier") for item in items]


# Verbs --------------------------------------------------------------------------------------


def test_identify(app):
    document = oai_get(app, {"verb": "Identify"})
    identify = document.find(f"{OAI}Identify")
    assert identify.findtext(f"{OAI}repositoryName") == "Örnek Dergi Platformu"
    assert identify.findtext(f"{OAI}baseURL") == "http://127.0.0.1:8000/oai"
    assert identify.findtext(f"{OAI}protocolVersion") == "2.0"
    assert identify.findtext(f"{OAI}adminEmail") == "oai@example.org"
    assert identify.findtext(f"{OAI}earliestDatestamp") == "2024-05-01T10:00:00Z"
    assert identify.findtext(f"{OAI}deletedRecord") == "persistent"
    assert identify.findtext(f"{OAI}granularity") == "YYYY-MM-DDThh:mm:ssZ"
    ns = "{http://www.openarchives.org/OAI/2.0/oai-identifier}"
    description = identify.find(f"{OAI}description/{ns}oai-identifier")
    assert description.findtext(f"{ns}repositoryIdentifier") == "journal.example.org"
    assert description.findtext(f"{ns}sampleIdentifier").startswith("oai:journal.example.org:tjh/")
    assert document.findtext(f"{OAI}responseDate") == "2024-06-01T12:00:00Z"
    assert document.find(f"{OAI}request").attrib == {"verb": "Identify"}


def test_identify_on_an_empty_store(empty_app):
    identify = oai_get(empty_app, {"verb": "Identify"}).find(f"{OAI}Identify")
    assert identify.findtext(f"{OAI}earliestDatestamp") == "2024-06-01T12:00:00Z"
    assert identify.find(f"{OAI}description") is None


def test_list_metadata_formats(app):
    formats = oai_get(app, {"verb": "ListMetadataFormats"}).findall(f".//{OAI}metadataFormat")
    assert [(f.findtext(f"{OAI}metadataPrefix"), f.findtext(f"{OAI}metadataNamespace")) for f in formats] == [
        ("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc/"),
        ("jats", "https://jats.nlm.nih.gov/ns/publishing/1.3/"),
    ]
    only_dc = oai_get(app, {"verb": "ListMetadataFormats", "identifier": "oai:journal.example.org:tjh/dc-only"})
    assert [e.text for e in only_dc.iter(f"{OAI}metadataPrefix")] == ["oai_dc"]
    deleted = oai_get(app, {"verb": "ListMetadataFormats", "identifier": ID.format(6)})
    assert [e.text for e in deleted.iter(f"{OAI}metadataPrefix")] == ["oai_dc", "jats"]


def test_list_sets(app):
    sets = oai_get(app, {"verb": "ListSets"}).findall(f".//{OAI}set")
    assert [(s.findtext(f"{OAI}setSpec"), s.findtext(f"{OAI}setName")) for s in sets] == [
        ("tjh", "Türk Tarihi Dergisi"),
        ("tjh:12-1", "Türk Tarihi Dergisi, Cilt 12, Sayı 1"),
        ("tjh:12-2", "Türk Tarihi Dergisi, Cilt 12, Sayı 2"),
        ("tjh:12-3", "Türk Tarihi Dergisi, Cilt 12, Sayı 3"),
    ]


def test_get_record_live_and_deleted(app):
    document = oai_get(app, {"verb": "GetRecord", "identifier": ID.format(3), "metadataPrefix": "oai_dc"})
    record = document.find(f"{OAI}GetRecord/{OAI}record")
    assert record.findtext(f"{OAI}header/{OAI}datestamp") == "2024-05-03T10:00:00Z"
    assert [e.text for e in record.iter(f"{OAI}setSpec")] == ["tjh", "tjh:12-1"]
    assert record.findtext(".//{http://purl.org/dc/elements/1.1/}title") == "Changed"
    assert document.find(f"{OAI}request").attrib == {
        "verb": "GetRecord", "identifier": ID.format(3), "metadataPrefix": "oai_dc"}
    jats = oai_get(app, {"verb": "GetRecord", "identifier": ID.format(3), "metadataPrefix": "jats"})
    assert jats.find(f".//{OAI}metadata/{{https://jats.nlm.nih.gov/ns/publishing/1.3/}}article") is not None
    deleted = oai_get(app, {"verb": "GetRecord", "identifier": ID.format(6), "metadataPrefix": "jats"})
    header = deleted.find(f".//{OAI}header")
    assert header.get("status") == "deleted"
    assert header.findtext(f"{OAI}datestamp") == "2024-05-02T10:00:00Z"
    assert deleted.find(f".//{OAI}metadata") is None


def test_list_records_pages_return_every_record_once(app):
    records, tokens = walk(app, "ListRecords", metadataPrefix="oai_dc")
    ids = identifiers(records)
    assert sorted(ids) == sorted([ID.format(i) for i in (0, 1, 2, 3, 4, 6)] + ["oai:journal.example.org:tjh/dc-only"])
    assert len(ids) == len(set(ids))
    stamps = [(r.findtext(f".//{OAI}datestamp"), r.findtext(f".//{OAI}identifier")) for r in records]
    assert stamps == sorted(stamps)
    assert [t.get("cursor") for t in tokens] == ["0", "2", "4", "6"]
    assert {t.get("completeListSize") for t in tokens} == {"7"}
    assert all(t.get("expirationDate") == "2024-06-02T12:00:00Z" for t in tokens[:-1])
    assert tokens[-1].text is None and tokens[-1].get("expirationDate") is None
    assert [r.find(f"{OAI}header").get("status") for r in records].count("deleted") == 1


def test_list_identifiers_by_format_set_and_dates(app):
    headers, _ = walk(app, "ListIdentifiers", metadataPrefix="jats")
    assert "oai:journal.example.org:tjh/dc-only" not in identifiers(headers)
    assert len(headers) == 6
    issue, _ = walk(app, "ListIdentifiers", metadataPrefix="oai_dc", set="tjh:12-1")
    assert sorted(identifiers(issue)) == sorted(
        [ID.format(0), ID.format(3), ID.format(6), "oai:journal.example.org:tjh/dc-only"])
    whole, _ = walk(app, "ListIdentifiers", metadataPrefix="oai_dc", set="tjh")
    assert len(whole) == 7  # a set includes its subsets
    since, _ = walk(app, "ListIdentifiers", metadataPrefix="oai_dc", **{"from": "2024-05-02T10:00:00Z"})
    assert sorted(identifiers(since)) == sorted([ID.format(3), ID.format(6), "oai:journal.example.org:tjh/dc-only"])
    day, _ = walk(app, "ListIdentifiers", metadataPrefix="oai_dc", **{"from": "2024-05-02", "until": "2024-05-02"})
    assert identifiers(day) == [ID.format(6)]
    until, _ = walk(app, "ListIdentifiers", metadataPrefix="oai_dc", until="2024-05-01T10:00:00Z")
    assert sorted(identifiers(until)) == [ID.format(i) for i in (0, 1, 2, 4)]


def test_post_form_equals_get(app):
    query = {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "tjh:12-2"}
    status, headers, body = call(app, method="POST", body=urlencode(query).encode())
    assert status == "200 OK" and headers["Content-Type"] == "text/xml; charset=utf-8"
    assert check_response(body) == []
    _, _, get_body = call(app, query)
    assert body == get_body


def test_http_level_answers(app):
    assert call(app, {"verb": "Identify"}, path="/other")[0] == "404 Not Found"
    status, headers, _ = call(app, {"verb": "Identify"}, method="DELETE")
    assert status == "405 Method Not Allowed" and "POST" in headers["Allow"]
    status, headers, body = call(app, {"verb": "Identify"}, method="HEAD")
    assert status == "200 OK" and body == b"" and int(headers["Content-Length"]) > 0
    status, _, body = call(app, method="POST", body=b'{"verb": "Identify"}', content_type="application/json")
    assert status == "200 OK" and error_code(etree.fromstring(body)) == "badArgument"
    assert check_response(body) == []
    assert call(app, method="POST", body=b"x" * 70000)[0] == "413 Content Too Large"


# Errors -------------------------------------------------------------------------------------

KNOWN = ID.format(1)
MALFORMED = [
    ("", "badVerb"),
    ("verb=", "badVerb"),
    ("verb=Foo", "badVerb"),
    ("verb=identify", "badVerb"),
    ("verb=Identify&verb=Identify", "badVerb"),
    ("verb=Identify&verb=ListSets", "badVerb"),
    ("metadataPrefix=oai_dc", "badVerb"),
    ("verb=Identify&foo=bar", "badArgument"),
    ("verb=Identify&identifier=" + KNOWN, "badArgument"),
    ("verb=ListSets&set=tjh", "badArgument"),
    ("verb=ListRecords", "badArgument"),
    ("verb=ListIdentifiers&from=2024-01-01", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=jats", "badArgument"),
    ("verb=ListRecords&metadataPrefix=", "badArgument"),
    ("verb=ListRecords&metadataPrefix", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai%20dc", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-13-01", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-02-30", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01T00:00:00", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01T00:00Z", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01T25:00:00Z", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=24-01-01", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&until=yesterday", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01&until=2024-02-01T00:00:00Z", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-02-01&until=2024-01-01", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-02-01T00:00:01Z&until=2024-02-01T00:00:00Z", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=tjh:", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=a%20b", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=abc", "badArgument"),
    ("verb=ListIdentifiers&resumptionToken=abc&until=2024-01-01", "badArgument"),
    ("verb=GetRecord&identifier=" + KNOWN, "badArgument"),
    ("verb=GetRecord&metadataPrefix=oai_dc", "badArgument"),
    ("verb=GetRecord&identifier=oai:x%01&metadataPrefix=oai_dc", "badArgument"),
    ("verb=GetRecord&identifier=oai%3Aa%20b&metadataPrefix=oai_dc", "badArgument"),
    ("verb=GetRecord&identifier=%FF&metadataPrefix=oai_dc", "badArgument"),
    ("verb=Identify&%00=1", "badArgument"),
    ("verb=ListMetadataFormats&identifier=", "badArgument"),
    ("verb=ListRecords&resumptionToken=garbage", "badResumptionToken"),
    ("verb=ListRecords&resumptionToken=a.b", "badResumptionToken"),
    ("verb=ListIdentifiers&resumptionToken=%E2%9C%93.%E2%9C%93", "badResumptionToken"),
    ("verb=ListSets&resumptionToken=anything", "badResumptionToken"),
    ("verb=ListRecords&metadataPrefix=marcxml", "cannotDisseminateFormat"),
    ("verb=ListIdentifiers&metadataPrefix=oai_dc_x", "cannotDisseminateFormat"),
    (f"verb=GetRecord&identifier={KNOWN}&metadataPrefix=mods", "cannotDisseminateFormat"),
    ("verb=GetRecord&identifier=oai:journal.example.org:tjh/dc-only&metadataPrefix=jats", "cannotDisseminateFormat"),
    ("verb=GetRecord&identifier=oai:journal.example.org:tjh/nope&metadataPrefix=oai_dc", "idDoesNotExist"),
    ("verb=GetRecord&identifier=not-a-uri&metadataPrefix=oai_dc", "idDoesNotExist"),
    ("verb=ListMetadataFormats&identifier=oai:journal.example.org:tjh/nope", "idDoesNotExist"),
    ("verb=ListMetadataFormats&identifier=oai:journal.example.org:tjh/no-formats", "noMetadataFormats"),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=nosuchset", "noRecordsMatch"),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=tjh:12-9", "noRecordsMatch"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2030-01-01", "noRecordsMatch"),
    ("verb=ListIdentifiers&metadataPrefix=jats&until=2000-01-01T00:00:00Z", "noRecordsMatch"),
]


@pytest.mark.parametrize("query, code", MALFORMED, ids=[q or "(empty)" for q, _ in MALFORMED])
def test_malformed_request_gets_its_error_code(app, query, code):
    document = oai_get(app, query)
    assert error_code(document) == code
    request = document.find(f"{OAI}request")
    if code in ("badVerb", "badArgument"):
        assert request.attrib == {}  # spec 3.6: no arguments echoed
    else:
        assert request.get("verb") is not None


@pytest.mark.parametrize("query, code", MALFORMED, ids=[q or "(empty)" for q, _ in MALFORMED])
def test_malformed_request_by_post_gets_the_same_error(app, query, code):
    status, _, body = call(app, method="POST", body=query.encode("ascii"))
    assert status == "200 OK"
    assert check_response(body) == []
    assert error_code(etree.fromstring(body)) == code


def test_errors_that_depend_on_the_repository(empty_app, setless_app):
    assert error_code(oai_get(empty_app, "verb=ListRecords&metadataPrefix=oai_dc")) == "noRecordsMatch"
    assert error_code(oai_get(empty_app, "verb=ListSets")) == "noSetHierarchy"
    assert error_code(oai_get(setless_app, "verb=ListSets")) == "noSetHierarchy"
    assert error_code(oai_get(setless_app, "verb=ListIdentifiers&metadataPrefix=oai_dc&set=tjh")) == "noSetHierarchy"
    assert error_code(oai_get(setless_app, "verb=ListIdentifiers&metadataPrefix=oai_dc")) is None


def test_tokens_cannot_be_forged_reused_across_verbs_or_used_after_expiry(app, db):
    first = oai_get(app, {"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    token = first.find(f".//{OAI}resumptionToken").text
    body, signature = token.split(".")
    # Flip one character of the state: the signature no longer matches.
    tampered = ("A" if body[5] != "A" else "B").join((body[:5], body[6:])) + "." + signature
    assert error_code(oai_get(app, {"verb": "ListRecords", "resumptionToken": tampered})) == "badResumptionToken"
    assert error_code(oai_get(app, {"verb": "ListIdentifiers", "resumptionToken": token})) == "badResumptionToken"
    later = make_app(db, page_size=2, clock=lambda: NOW + timedelta(days=2))
    assert error_code(oai_get(later, {"verb": "ListRecords", "resumptionToken": token})) == "badResumptionToken"
    assert error_code(oai_get(app, {"verb": "ListRecords", "resumptionToken": token})) is None


def test_token_round_trip_and_secret():
    state = ListState("ListRecords", "oai_dc", "tjh:12-1", None, "2024-05-03T10:00:00Z",
                      ("2024-05-01T10:00:00Z", "oai:x.org:a/b"), 2, "2024-06-02T00:00:00Z")
    token = encode_token(state, b"secret")
    assert decode_token(token, b"secret", "ListRecords", NOW) == state
    with pytest.raises(Exception) as raised:
        decode_token(token, b"other secret", "ListRecords", NOW)
    assert raised.value.code == "badResumptionToken"


def test_keyset_paging_survives_publishes_between_pages(new_store_location):
    """Changing an already returned item moves it to a later datestamp. With OFFSET paging every
    following item would shift one place and one would be skipped; keyset paging plus the
    snapshot bound returns each item at most once and every unchanged item exactly once."""
    path = new_store_location("keyset")
    store = open_store(path)
    articles = sample_articles(9)
    publish(store, articles, JOURNAL, at("2024-05-01T10:00:00"))
    app = make_app(path, page_size=2, clock=lambda: NOW)
    seen: list[str] = []
    query = {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}
    changed = set()
    step = 0
    while True:
        document = oai_get(app, query)
        seen += identifiers(document.iter(f"{OAI}header"))
        token = document.find(f".//{OAI}resumptionToken")
        if token is None or not token.text:
            break
        step += 1
        # Between pages: change the first returned item, add a new one, delete an unseen one.
        current = list(articles)
        current[0] = replace(current[0], title=Multilingual((("tr", f"Sürüm {step}"),)))
        current.append(replace(articles[1], id=f"new{step}"))
        changed.add(ID.format(0))
        if step == 2:
            current.remove(articles[8])
            changed.add(ID.format(8))
        articles = current
        publish(store, articles, JOURNAL, at(f"2024-05-0{1 + step}T10:00:00"))
        query = {"verb": "ListIdentifiers", "resumptionToken": token.text}
    assert len(seen) == len(set(seen))
    unchanged = {ID.format(i) for i in range(9)} - changed
    assert unchanged <= set(seen)
    assert not any("new" in identifier for identifier in seen)  # after the snapshot bound
    # The next incremental harvest from the walk's bound returns the changes.
    since, _ = walk(app, "ListIdentifiers", metadataPrefix="oai_dc", **{"from": "2024-05-01T10:00:01Z"})
    assert changed <= set(identifiers(since))


# Fuzzing ------------------------------------------------------------------------------------

_names = st.sampled_from(["verb", "metadataPrefix", "identifier", "set", "from", "until", "resumptionToken",
                          "Verb", "foo", "", "verb[]"])
_values = st.one_of(
    st.sampled_from(["Identify", "ListRecords", "ListIdentifiers", "ListSets", "GetRecord",
                     "ListMetadataFormats", "oai_dc", "jats", "tjh", "tjh:12-1", KNOWN, "2024-05-01",
                     "2024-05-01T10:00:00Z", "", "x.y", "::"]),
    st.text(max_size=30),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(_names, _values), max_size=6))
def test_fuzzed_arguments_get_a_valid_response(app, pairs):
    query = "&".join(f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in pairs)
    for method in ("GET", "POST"):
        status, _, body = call(app, query if method == "GET" else None, method=method,
                               body=query.encode() if method == "POST" else None)
        assert status == "200 OK"
        assert check_response(body) == [], body
        code = error_code(etree.fromstring(body))
        assert code is None or code in ERROR_CODES


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(
    st.binary(max_size=60),
    st.text(alphabet=st.sampled_from("verb=ListRecords&metadataPrefix%oai_dc+;?#/:Z0123456789-TFF"), max_size=60),
))
def test_fuzzed_raw_query_strings_never_fail(app, raw):
    query = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    status, headers, body = call(app, query)
    assert status == "200 OK", body
    assert headers["Content-Type"] == "text/xml; charset=utf-8"
    assert check_response(body) == [], body
    assert b"Traceback" not in body

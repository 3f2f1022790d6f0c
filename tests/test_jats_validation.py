"""Our JATS against the official JATS 1.3 DTD and XSD, and `check-jats` on third-party files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree

from pipeline.output_checks import jats as check
from pipeline.writers import jats
from tests import factories, strategies

REAL_JATS = Path(__file__).resolve().parents[2] / "shared" / "real-jats"
FACTORY_ARTICLES = [factories.rich_article, factories.minimal_article, factories.elocation_article]


def _render(article) -> bytes:
    return jats.render(article, factories.journal()).parts["jats"]


@pytest.mark.parametrize("make", FACTORY_ARTICLES)
def test_factory_articles_are_valid_against_dtd_and_xsd(make):
    data = _render(make())
    assert check.validate_jats(data, "a.xml") == []
    assert check.validate_jats_xsd(data, "a.xml") == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(strategies.articles())
def test_generated_articles_are_valid_against_dtd_and_xsd(article):
    data = _render(article)
    assert [str(p) for p in check.validate_jats(data, article.id)] == []
    assert [str(p) for p in check.validate_jats_xsd(data, article.id)] == []


def test_dtd_and_xsd_are_loaded_once_per_process():
    for make in FACTORY_ARTICLES:
        check.validate_jats(_render(make()), "a.xml")
        check.validate_jats_xsd(_render(make()), "a.xml")
    assert check.load_dtd(check.PUBLISHING_1_3) is check.load_dtd(check.PUBLISHING_1_3)
    assert check.load_xsd_1_3() is check.load_xsd_1_3()
    assert check.load_dtd.cache_info().currsize <= len(check.publishing_dtds())


def test_an_invalid_document_is_reported_with_its_line():
    data = _render(factories.rich_article())
    root = etree.fromstring(data)
    title_group = root.find("front/article-meta/title-group")
    title_group.remove(title_group.find("article-title"))  # article-title is required
    tree = etree.ElementTree(root)
    tree.docinfo.public_id = jats.PUBLIC_ID
    tree.docinfo.system_url = jats.SYSTEM_URL
    broken = jats.serialize(tree)
    problems = check.validate_jats(broken, "out/tjh/jats/x.xml")
    assert problems, "a title-group without article-title must be invalid"
    line = next(i for i, text in enumerate(broken.decode().splitlines(), 1) if "<title-group>" in text)
    assert any(p.line == line and "title-group" in p.message for p in problems)
    assert all(p.path == "out/tjh/jats/x.xml" for p in problems)
    assert check.validate_jats_xsd(broken, "x.xml")


def test_wrong_doctype_is_a_problem_for_our_own_files():
    data = _render(factories.minimal_article()).replace(b"v1.3 20210610", b"v1.4 20241031")
    assert any("DOCTYPE" in p.message for p in check.validate_jats(data, "x.xml"))


def test_not_well_formed_output_is_a_problem_not_an_exception():
    problems = check.validate_jats(b"<article><front></article>", "x.xml")
    assert problems and problems[0].line == 1 and "not well-formed" in problems[0].message


# ---------------------------------------------------------------- check-jats on any file

THIRD_PARTY_1_3 = """\
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD with MathML3 v1.3 20210610//EN" "https://jats.nlm.nih.gov/publishing/1.3/JATS-journalpublishing1-3-mathml3.dtd">
<article xmlns:mml="http://www.w3.org/1998/Math/MathML" xmlns:xlink="http://www.w3.org/1999/xlink" article-type="research-article" dtd-version="1.3" xml:lang="en">
<front>
<journal-meta><journal-id journal-id-type="nlm-ta">Ex J</journal-id><issn>1234-5678</issn></journal-meta>
<article-meta>
<title-group><article-title>Energy &amp; mass: <inline-formula><mml:math><mml:mi>E</mml:mi></mml:math></inline-formula></article-title></title-group>
<pub-date pub-type="epub"><year>2022</year></pub-date>
</article-meta>
</front>
<body><sec><title>Intro</title><p>Text &#x2014; with a character reference.</p></sec></body>
</article>
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_check_jats_accepts_a_valid_third_party_jats_1_3_file(tmp_path):
    path = _write(tmp_path, "third-party.xml", THIRD_PARTY_1_3)
    result = check.check_jats_file(path)
    assert "MathML3" in result.choice.public_id
    assert result.problems == []
    assert check.check_jats_files([path]) == []


def test_check_jats_rejects_a_broken_file_with_file_and_line(tmp_path):
    broken = THIRD_PARTY_1_3.replace("<article-meta>", "<article-meta><volume>1</volume>").replace(
        "<body>", "<body><unknown-element/>"
    )
    path = _write(tmp_path, "broken.xml", broken)
    problems = check.check_jats_files([path])
    rendered = [str(p) for p in problems]
    body_line = next(i for i, text in enumerate(broken.splitlines(), 1) if "<body>" in text)
    meta_line = next(i for i, text in enumerate(broken.splitlines(), 1) if "<article-meta>" in text)
    assert f"{path}:{body_line}: No declaration for element unknown-element" in rendered
    assert any(r.startswith(f"{path}:{meta_line}: Element article-meta content does not follow the DTD") for r in rendered)


def test_check_jats_reports_a_file_that_is_not_well_formed(tmp_path):
    path = _write(tmp_path, "bad.xml", "<article>\n<front>\n</article>\n")
    problems = check.check_jats_files([path])
    assert problems and all(p.path == str(path) for p in problems)
    assert problems[0].line == 3 and "not well-formed" in problems[0].message


def test_check_jats_reports_an_unreadable_file(tmp_path):
    problems = check.check_jats_files([tmp_path / "missing.xml"])
    assert len(problems) == 1 and problems[0].path.endswith("missing.xml")


def test_check_jats_never_resolves_entities_from_the_document(tmp_path):
    secret = _write(tmp_path, "secret.txt", "TOP-SECRET-CONTENT")
    text = textwrap.dedent(f"""\
        <?xml version="1.0"?>
        <!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.3 20210610//EN" "http://127.0.0.1:9/evil.dtd" [
        <!ENTITY leak SYSTEM "{secret.as_uri()}">
        ]>
        <article dtd-version="1.3"><front><article-meta><title-group><article-title>&leak;</article-title></title-group></article-meta></front></article>
        """)
    path = _write(tmp_path, "xxe.xml", text)
    problems = check.check_jats_files([path])
    assert all("TOP-SECRET" not in p.message for p in problems)
    assert problems  # journal-meta etc. are missing: invalid, but judged without the entity
    assert all("TOP-SECRET" not in p.message for p in check.validate_jats(text.encode(), "xxe.xml"))


def test_check_jats_picks_the_1_4_dtd_for_a_1_4_document(tmp_path):
    text = THIRD_PARTY_1_3.replace("v1.3 20210610", "v1.4 20241031").replace("1.3/JATS-journalpublishing1-3", "1.4/JATS-journalpublishing1-4").replace('dtd-version="1.3"', 'dtd-version="1.4"')
    result = check.check_jats_file(_write(tmp_path, "v14.xml", text))
    assert "v1.4" in result.choice.public_id and result.problems == []


def test_check_jats_on_the_real_articles():
    results = {path.name: check.check_jats_file(path) for path in sorted(REAL_JATS.glob("*.xml"))}
    assert len(results) == 6
    # Archiving-DTD files (PMC, eLife): the bundle has no Archiving DTD, said as one problem.
    for name in ("elife-14093-v1.xml", "pmc-plos-ntd-0002065.xml"):
        [problem] = results[name].problems
        assert "Journal Archiving and Interchange DTD" in problem.message and "not validated" in problem.message
    # Older Publishing versions are validated against Publishing 1.3, with a note saying so.
    for name in ("scielo-rsp-2014-review-en-pt.xml", "scielo-ress-2024-en-es-pt.xml", "scielo-mediacoes-2019-es-pt-en.xml"):
        assert results[name].choice.public_id == check.PUBLISHING_1_3
        assert "validated against Journal Publishing 1.3" in results[name].choice.note
        assert results[name].problems == [], name
    # SciELO Ensaio puts <attrib> before <alternatives> in two figures: invalid in any 1.x.
    ensaio = results["scielo-ensaio-2022-pt-en-es.xml"].problems
    assert [(p.line, p.message.split(",")[0]) for p in ensaio] == [
        (508, "Element fig content does not follow the DTD"),
        (523, "Element fig content does not follow the DTD"),
    ]

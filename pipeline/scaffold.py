"""``pipeline new journal ID`` and ``pipeline new article JOURNAL/ID``: commented templates.

Every value an editor must supply starts with ``TODO:`` and is placed where the schema refuses
it (a text where a map, list or date belongs), so ``pipeline validate`` rejects the record
until each is filled; optional fields are there as comments. The id and, for an article, the
journal's languages are filled in from what is known.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import PipelineError
from . import credit
from .read.corpus import ARTICLES_DIR, JOURNAL_FILE
from .located_yaml import YamlError, read_yaml_file
from .input_checks.messages import FORMS, slug_suggestion
from .input_checks.schema import schema

_SLUG = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")


class ScaffoldError(PipelineError):
    """The template cannot be written (bad id, missing journal, file exists)."""


def article_types() -> list[str]:
    return list(schema("article")["$defs"]["article-type"]["enum"])


def credit_roles() -> list[str]:
    return [term.name for term in credit.TERMS]


def _check_id(value: str, what: str) -> None:
    if not _SLUG.match(value) or len(value) > 100:
        raise ScaffoldError(f"'{value}' is not a valid {what}: use {FORMS['slug']}, e.g. '{slug_suggestion(value)}'")


JOURNAL_TEMPLATE = """\
# Journal record: seeds/{id}/journal.yaml. Replace every value that starts with 'TODO:';
# 'pipeline validate' rejects the record until then. Optional fields are commented out.
id: {id}                                  # equals the directory name
title: 'TODO: the title per language, e.g. {{tr: Türk Tarihi Dergisi, en: Journal of Turkish History}}'
languages: 'TODO: the languages its articles may use, first = main, e.g. [tr, en]'
# abbrev-title: Türk Tar. Derg.
# issn: {{print: 1300-0004, electronic: 2147-0006}}   # check digits are verified; Crossref and DOAJ need one
# publisher: {{name: Örnek Üniversitesi Yayınları, location: "İstanbul, Türkiye"}}
# doi-prefix: "10.5555"                   # the articles' DOIs must start with it
# license: https://creativecommons.org/licenses/by/4.0/   # default for its articles
# url: https://journals.example.org/{id}
# depositor: {{name: Örnek Üniversitesi Yayınları, email: doi@example.org}}   # needed for Crossref files
# registrant: Örnek Üniversitesi
# citation-styles: [apa, chicago-author-date, isnad-metinici]   # `pipeline styles SEARCH` lists style ids
"""

ARTICLE_TEMPLATE = """\
# Article record: seeds/{journal}/articles/{id}.yaml. Replace every value that starts with
# 'TODO:'; 'pipeline validate' rejects the record until then. Optional fields are commented out.
id: {id}                                  # equals the file name
type: 'TODO: the article type, one of: {types}'
language: {language}                      # main language: one of the journal's languages ({languages})
title: 'TODO: the title per language, e.g. {{{language}: ...}}; the main language is required'
authors: 'TODO: the authors, e.g. [{{given: Ayşe, family: Şahin, orcid: 0000-0002-1825-0097}}]'
dates:
  published: 'TODO: the publication date, YYYY-MM-DD'
# dates: received: 2023-09-11, accepted: 2024-02-01, issue: 2024-03 (YYYY[-MM[-DD]])
# doi: 10.5555/{journal}.{id}
# url: https://journals.example.org/{journal}/article/{id}   # Crossref and DOAJ need it
# volume: 12
# issue: 1
# pages: {{first: 25, last: 58}}           # or: elocation: e2024101
# abstract: {{{language}: ...}}
# keywords: {{{language}: [..., ...]}}
# affiliations: [{{id: bogazici, institution: Boğaziçi Üniversitesi, city: İstanbul, country: TR}}]
#   then per author: affiliations: [bogazici]
# roles per author: free text, or CRediT terms ({roles})
# references: [{{text: "Kurat, A. N. (1990). Türkiye ve Rusya. Ankara."}}]
"""


def journal_template(journal_id: str) -> str:
    _check_id(journal_id, "journal id")
    return JOURNAL_TEMPLATE.format(id=journal_id)


def article_template(journal_id: str, article_id: str, languages: list[str]) -> str:
    _check_id(journal_id, "journal id")
    _check_id(article_id, "article id")
    main = languages[0] if languages else "'TODO: the main language, a BCP 47 tag, e.g. tr'"
    return ARTICLE_TEMPLATE.format(
        journal=journal_id, id=article_id, language=main, languages=", ".join(languages) or "see journal.yaml",
        types=", ".join(article_types()), roles=", ".join(credit_roles()),
    )


def _journal_languages(journal_file: Path) -> list[str]:
    try:
        data = read_yaml_file(journal_file).data
    except YamlError:
        return []
    languages = data.get("languages") if isinstance(data, dict) else None
    if isinstance(languages, list) and all(isinstance(x, str) and re.fullmatch(r"[A-Za-z0-9-]{2,20}", x) for x in languages):
        return languages
    return []


def _write_new(path: Path, text: str) -> Path:
    if path.exists():
        raise ScaffoldError(f"{path} already exists; not overwritten")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def new_journal(seeds: Path, journal_id: str) -> Path:
    return _write_new(seeds / journal_id / JOURNAL_FILE, journal_template(journal_id))


def new_article(seeds: Path, name: str) -> Path:
    journal_id, sep, article_id = name.partition("/")
    if not sep:
        raise ScaffoldError("name the article as JOURNAL/ID, e.g. tjh/inebolu-limani")
    _check_id(journal_id, "journal id")
    journal_file = seeds / journal_id / JOURNAL_FILE
    if not journal_file.is_file():
        raise ScaffoldError(f"{journal_file} does not exist; create the journal first: pipeline new journal {journal_id}")
    text = article_template(journal_id, article_id, _journal_languages(journal_file))
    return _write_new(seeds / journal_id / ARTICLES_DIR / f"{article_id}.yaml", text)

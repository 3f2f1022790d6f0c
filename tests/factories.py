"""Model objects for writer tests that do not go through the YAML reader."""

from __future__ import annotations

from pipeline.model import (
    Abstract,
    AbstractSection,
    Affiliation,
    Article,
    ArticleIds,
    Collaboration,
    Copyright,
    Dates,
    Depositor,
    Funding,
    Journal,
    Keywords,
    Multilingual,
    Note,
    OaiIdentity,
    PartialDate,
    Pages,
    Person,
    Reference,
)


def journal(**overrides) -> Journal:
    values = dict(
        id="tjh",
        title=Multilingual((("tr", "Türk Tarihi Dergisi"), ("en", "Turkish Journal of History"))),
        languages=("tr", "en"),
        abbrev_title="Türk Tar. Derg.",
        issn_print="1300-0004",
        issn_electronic="2147-0006",
        publisher_name="Örnek Üniversitesi Yayınları",
        publisher_location="İstanbul, Türkiye",
        doi_prefix="10.5555",
        license="https://creativecommons.org/licenses/by/4.0/",
        url="https://journal.example.org/tjh",
        oai=OaiIdentity(
            repository_name="Örnek Dergi Platformu",
            base_url="http://127.0.0.1:8000/oai",
            admin_email="oai@example.org",
            namespace="journal.example.org",
        ),
        depositor=Depositor(name="Örnek Üniversitesi", email="doi@example.org"),
        registrant="Örnek Üniversitesi",
        citation_styles=("apa",),
        source="seeds/tjh/journal.yaml",
    )
    values.update(overrides)
    return Journal(**values)


def rich_article(**overrides) -> Article:
    """Every optional field filled, with Turkish text and markup-like characters."""
    affiliations = (
        Affiliation(
            id="aff1",
            institution="Boğaziçi Üniversitesi",
            department="Tarih Bölümü",
            city="İstanbul",
            country="TR",
            ror="https://ror.org/03z9tma90",
            text="Tarih Bölümü, Boğaziçi Üniversitesi, İstanbul, Türkiye",
        ),
        Affiliation(
            id="aff2",
            institution="Universidade de São Paulo",
            department="Faculdade de Saúde Pública",
            city="São Paulo",
            state="SP",
            country="BR",
            ror="https://ror.org/036rp1748",
        ),
    )
    authors = (
        Person(
            family="Şahin",
            given="Ayşe Gül",
            orcid="https://orcid.org/0000-0002-1825-0097",
            email="ayse.sahin@example.org",
            affiliations=("aff1",),
            corresponding=True,
            equal_contribution=True,
            roles=("Conceptualization", "Writing – original draft"),
        ),
        Person(
            family="van der Berg",
            given="Jan",
            suffix="Jr.",
            affiliations=("aff1", "aff2"),
            equal_contribution=True,
            roles=("Formal analysis",),
        ),
        Person(family="Ílhan", affiliations=("aff2",)),
        Collaboration(
            name=Multilingual((("tr", "Osmanlı Arşivi Çalışma Grubu"), ("en", "Ottoman Archive Working Group"))),
            members=(Person(family="Öztürk", given="Çağrı"), Person(family="Kılıç", given="İsmail")),
        ),
    )
    references = (
        Reference(
            id="ref1",
            type="journal",
            authors=(Person(family="Yılmaz", given="Ömer"), Person(family="Smith", given="John A.")),
            title="Türk-Rus ilişkileri <1920–1923> & after",
            container_title="Tarih İncelemeleri Dergisi",
            year=2019,
            volume="34",
            issue="2",
            pages=Pages("101", "128"),
            doi="10.5555/tid.2019.34.2.101",
        ),
        Reference(
            id="ref2",
            type="book",
            authors=(Person(family="Kurat", given="Akdes Nimet"),),
            editors=(Person(family="Ortaylı", given="İlber"),),
            title="Türkiye ve Rusya",
            edition="2",
            publisher="Kültür Bakanlığı Yayınları",
            publisher_location="Ankara",
            year=1990,
        ),
        Reference(
            id="ref3",
            type="chapter",
            authors=(Person(family="Gökay", given="Bülent"),),
            editors=(Person(family="Hale", given="William"),),
            title="Soviet policy in Anatolia",
            container_title="Turkish Foreign Policy",
            publisher="Routledge",
            publisher_location="London",
            pages=Pages("45", "67"),
            year=2000,
            pmid="12345678",
        ),
        Reference(
            id="ref4",
            type="webpage",
            title="Atatürk Kitaplığı kataloğu",
            url="https://example.org/katalog?q=a&b=c",
            accessed=PartialDate(2024, 5, 2),
            year=2024,
        ),
        Reference(id="ref5", text="Anonim, Hatırat, İstanbul: Matbaa-i Âmire, 1326 [1910]. ]]> <b>not bold</b>"),
        Reference(
            id="ref6",
            type="journal",
            text="Doe J. A study. J Stud. 2020;1:e12.",
            authors=(Person(family="Doe", given="J."),),
            title="A study",
            container_title="J Stud",
            year=2020,
            volume="1",
            elocation="e12",
        ),
    )
    values = dict(
        id="tr-ru-relations",
        journal_id="tjh",
        type="research-article",
        language="tr",
        languages=("tr", "en"),
        title=Multilingual((
            ("tr", "Milli Mücadele Döneminde Türk-Sovyet İlişkileri & <Ankara>"),
            ("en", "Turkish-Soviet Relations during the National Struggle"),
        )),
        subtitle=Multilingual((("tr", "1920–1923"), ("en", "1920–1923"))),
        running_title=Multilingual((("tr", "Türk-Sovyet İlişkileri"),)),
        dates=Dates(
            received=PartialDate(2023, 11, 2),
            accepted=PartialDate(2024, 1, 15),
            published=PartialDate(2024, 3, 28),
            issue=PartialDate(2024, 3),
        ),
        doi="10.5555/tjh.2024.12.1.5",
        ids=ArticleIds(pmid="38000001", pmcid="PMC1000001", publisher_id="tjh-2024-005"),
        authors=authors,
        editors=(Person(family="Demir", given="Elif", orcid="https://orcid.org/0000-0001-5109-3700"),),
        affiliations=affiliations,
        volume="12",
        issue="1",
        pages=Pages("5", "27"),
        abstracts=(
            Abstract(
                "tr",
                (AbstractSection(None, ("Birinci paragraf: I. Dünya Savaşı.", "İkinci paragraf & <son>.")),),
            ),
            Abstract(
                "en",
                (
                    AbstractSection("Background", ("First World War.",)),
                    AbstractSection("Results", ("Cooperation & conflict.",)),
                ),
            ),
        ),
        summaries=(
            Abstract("en", (AbstractSection(None, ("A short lay summary.",)),), kind="lay-summary"),
        ),
        keywords=(
            Keywords("tr", ("Milli Mücadele", "Sovyetler", "Atatürk", "Türk-Rus İlişkileri")),
            Keywords("en", ("National Struggle", "Soviets", "Atatürk", "Turkish-Russian Relations")),
        ),
        license="https://creativecommons.org/licenses/by/4.0/",
        copyright=Copyright(holder="Ayşe Gül Şahin", year=2024),
        funding=(
            Funding(
                funder="Türkiye Bilimsel ve Teknolojik Araştırma Kurumu",
                funder_id="https://doi.org/10.13039/501100004410",
                awards=("122K001", "122K002"),
            ),
            Funding(funder="Örnek Vakfı"),
        ),
        funding_statement=Multilingual((("tr", "TÜBİTAK tarafından desteklenmiştir."), ("en", "Funded by TÜBİTAK."))),
        notes=(
            Note("competing-interests", Multilingual((("en", "The authors declare no competing interests."),))),
            Note("author-contributions", Multilingual((("en", "AGŞ wrote the draft."),))),
            Note("data-availability", Multilingual((("en", "Data are in the Ottoman Archives."),))),
        ),
        section=Multilingual((("tr", "Araştırma Makalesi"), ("en", "Research Article"))),
        url="https://journal.example.org/tjh/article/tr-ru-relations",
        references=references,
        source="seeds/tjh/articles/tr-ru-relations.yaml",
    )
    values.update(overrides)
    return Article(**values)


def minimal_article(**overrides) -> Article:
    """Only what the contract requires."""
    values = dict(
        id="minimal",
        journal_id="tjh",
        type="editorial",
        language="en",
        languages=("en",),
        title=Multilingual((("en", "Editorial"),)),
        dates=Dates(published=PartialDate(2024)),
        source="seeds/tjh/articles/minimal.yaml",
    )
    values.update(overrides)
    return Article(**values)


def elocation_article(**overrides) -> Article:
    """English-only, elocation id instead of pages, a string issue."""
    return rich_article(
        id="elocation",
        language="en",
        languages=("en",),
        title=Multilingual((("en", "An English-only article with an e-location"),)),
        subtitle=Multilingual(),
        running_title=Multilingual(),
        abstracts=(Abstract("en", (AbstractSection(None, ("One paragraph.",)),)),),
        summaries=(),
        keywords=(Keywords("en", ("elocation", "test")),),
        section=Multilingual((("en", "Brief Report"),)),
        funding_statement=Multilingual(),
        issue="Special",
        pages=None,
        elocation="e2024001",
        doi="10.5555/tjh.e2024001",
        **overrides,
    )

"""Hypothesis strategies for model articles: random subsets of optional fields, text in
Turkish, Arabic, Cyrillic and CJK, names with particles, and markup-like characters.

The text alphabet leaves out what the reader would reject (XML-forbidden control characters)
and what it would normalize away (NFC, runs of white space), so a generated model is one the
reader could have produced.
"""

from __future__ import annotations

import functools
import unicodedata

from hypothesis import strategies as st

from pipeline.model import (
    Abstract,
    AbstractSection,
    Affiliation,
    Article,
    Collaboration,
    Copyright,
    Dates,
    Funding,
    Keywords,
    Multilingual,
    Note,
    PartialDate,
    Pages,
    Person,
    Reference,
)

from . import factories

SAMPLES = [
    "Türk-Rus İlişkileri", "ığüşöçİĞÜŞÖÇ", "Osmanlı İmparatorluğu", "العلاقات التركية الروسية",
    "Российская империя", "中国语言学", "a < b && c > d", "]]>", "\"quoted\" 'single'",
    "\\input{/etc/passwd}", "{unbalanced", "50% of $x_1^2$ ~ #tag @misc", "DNA and RNA in NATO",
    "E = mc^2", "naïve café", "Ærøskøbing", "Łódź", "x&amp;y", "<b>bold</b>", "R&D",
]

_letters = st.characters(
    codec="utf-8",
    categories=("L", "N", "P", "S", "Zs"),
    exclude_characters="\u2028\u2029\x85\xa0\u3000\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f",
)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


@functools.cache
def texts(min_size: int = 1, max_size: int = 40) -> st.SearchStrategy[str]:
    # Built once per size and reused: hypothesis validates a strategy the first time it is
    # drawn from, which dominated generation time when strategies were rebuilt per draw.
    raw = st.one_of(st.sampled_from(SAMPLES), st.text(_letters, min_size=min_size, max_size=max_size))
    return raw.map(lambda value: _clean(value) or "x")


def optional(*strategies: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), *strategies)


names = st.sampled_from([
    "Şahin", "van der Berg", "O'Neil", "Müller-Lüdenscheidt", "İnalcık", "Ørsted", "de la Cruz",
    "Иванов", "محمد", "李", "Smith", "Çelik", "Ğ", "Ünlü",
])
given_names = optional(st.sampled_from([
    "Ayşe Gül", "Jan", "J. A.", "İsmail", "Мария", "Ömer", "Jean-Luc", "Ъ",
]))


@st.composite
def persons(draw, aff_ids: tuple[str, ...] = ()) -> Person:
    return Person(
        family=draw(st.one_of(names, texts())),
        given=draw(given_names),
        suffix=draw(optional(st.just("Jr."))),
        orcid=draw(optional(st.just("https://orcid.org/0000-0002-1825-0097"))),
        email=draw(optional(st.just("someone@example.org"))),
        affiliations=tuple(draw(st.lists(st.sampled_from(aff_ids), unique=True, max_size=2))) if aff_ids else (),
        corresponding=draw(st.booleans()),
        equal_contribution=draw(st.booleans()),
        roles=tuple(draw(st.lists(st.sampled_from(["Conceptualization", "Methodology", "Writing – original draft"]), unique=True, max_size=2))),
    )


def _multilingual(draw, languages: tuple[str, ...], required: bool) -> Multilingual:
    chosen = [lang for i, lang in enumerate(languages) if (required and i == 0) or draw(st.booleans())]
    return Multilingual(tuple((lang, draw(texts())) for lang in chosen))


@st.composite
def references(draw, index: int) -> Reference:
    ref_id = f"ref{index}"
    if draw(st.integers(0, 3)) == 0:
        return Reference(id=ref_id, text=draw(texts(max_size=120)))
    first = draw(st.integers(1, 500))
    return Reference(
        id=ref_id,
        type=draw(st.sampled_from(["journal", "book", "chapter", "confproc", "report", "thesis", "webpage", "data", "software", "preprint", "other"])),
        text=draw(optional(texts(max_size=80))),
        authors=tuple(draw(st.lists(persons(), min_size=1, max_size=4))),
        editors=tuple(draw(st.lists(persons(), max_size=2))),
        title=draw(texts()),
        container_title=draw(optional(texts())),
        year=draw(optional(st.integers(1800, 2030))),
        volume=draw(optional(st.sampled_from(["1", "34", "XII"]))),
        issue=draw(optional(st.sampled_from(["2", "3-4", "Special"]))),
        pages=draw(optional(st.just(Pages(str(first), str(first + 10))))),
        publisher=draw(optional(texts())),
        publisher_location=draw(optional(texts())),
        edition=draw(optional(st.just("2"))),
        doi=draw(optional(st.just(f"10.5555/ref.{index}"))),
        pmid=draw(optional(st.just("12345678"))),
        url=draw(optional(st.just("https://example.org/a?b=1&c=2"))),
        accessed=draw(optional(st.just(PartialDate(2024, 1, 2)))),
    )


@st.composite
def articles(draw) -> Article:
    """A valid article with a random subset of the optional fields."""
    language_sets = [("tr", "en"), ("en",), ("ar", "en"), ("ru", "tr", "en"), ("zh", "en")]
    languages = draw(st.sampled_from(language_sets))
    main = languages[0]
    aff_ids = tuple(f"aff{i}" for i in range(1, draw(st.integers(0, 3)) + 1))
    affiliations = tuple(
        Affiliation(
            id=aff_id,
            institution=draw(texts()),
            department=draw(optional(texts())),
            city=draw(optional(texts())),
            state=draw(optional(texts())),
            country=draw(optional(st.sampled_from(["TR", "US", "BR", "EG"]))),
            ror=draw(optional(st.just("https://ror.org/03z9tma90"))),
            text=draw(optional(texts())),
        )
        for aff_id in aff_ids
    )
    # Mostly a handful of authors, sometimes the 30 of a consortium paper (drawing 30 people
    # for every example would make each example several times slower to generate).
    many = draw(st.integers(0, 9)) == 0
    people = draw(st.lists(persons(aff_ids), min_size=30 if many else 1, max_size=30 if many else 4))
    if draw(st.booleans()):
        people.append(Collaboration(
            name=_multilingual(draw, languages, required=True),
            members=tuple(draw(st.lists(persons(), max_size=3))),
        ))
    year = draw(st.integers(1990, 2030))
    published = PartialDate(year, draw(st.integers(1, 12)), draw(st.integers(1, 28)))
    use_pages = draw(st.booleans())
    first_page = draw(st.integers(1, 900))
    abstracts = []
    for i, lang in enumerate(languages):
        if i == 0 or draw(st.booleans()):
            if draw(st.booleans()):
                sections = (AbstractSection(None, tuple(draw(st.lists(texts(max_size=200), min_size=1, max_size=3)))),)
            else:
                sections = tuple(
                    AbstractSection(draw(texts(max_size=20)), (draw(texts(max_size=200)),))
                    for _ in range(draw(st.integers(1, 3)))
                )
            abstracts.append(Abstract(lang, sections))
    keywords = tuple(
        Keywords(lang, tuple(draw(st.lists(texts(max_size=25), min_size=1, max_size=5, unique=True))))
        for lang in languages if draw(st.booleans())
    )
    return factories.rich_article(
        id=draw(st.from_regex(r"[a-z0-9][a-z0-9._-]{0,20}", fullmatch=True)),
        type=draw(st.sampled_from(["research-article", "review-article", "book-review", "editorial", "case-report"])),
        language=main,
        languages=languages,
        title=_multilingual(draw, languages, required=True),
        subtitle=_multilingual(draw, languages, required=False),
        running_title=draw(st.one_of(st.just(Multilingual()), st.just(Multilingual(((main, "Running"),))))),
        dates=Dates(
            published=published,
            received=draw(optional(st.just(PartialDate(year - 1, 1, 1)))),
            accepted=draw(optional(st.just(PartialDate(year - 1, 6, 1)))),
            issue=draw(optional(st.just(PartialDate(year)), st.just(PartialDate(year, 1)))),
        ),
        doi=draw(optional(st.just(f"10.5555/gen.{year}.{first_page}"))),
        authors=tuple(people),
        editors=tuple(draw(st.lists(persons(), max_size=2))),
        affiliations=affiliations,
        volume=draw(optional(st.sampled_from(["1", "12", "XL"]))),
        issue=draw(optional(st.sampled_from(["1", "3-4", "Special"]))),
        pages=Pages(str(first_page), draw(optional(st.just(str(first_page + 20))))) if use_pages else None,
        elocation=None if use_pages else draw(optional(st.just(f"e{first_page}"))),
        abstracts=tuple(abstracts),
        summaries=tuple(draw(st.lists(st.just(Abstract(main, (AbstractSection(None, ("Key point.",)),), kind="key-points")), max_size=1))),
        keywords=keywords,
        license=draw(optional(st.just("https://creativecommons.org/licenses/by-nc/4.0/"))),
        copyright=draw(optional(st.just(Copyright(holder="The Authors", year=year)))),
        funding=tuple(draw(st.lists(st.builds(
            Funding,
            funder=texts(),
            funder_id=optional(st.just("https://doi.org/10.13039/501100004410")),
            awards=st.lists(st.sampled_from(["A1", "B-22", "X/3"]), max_size=3, unique=True).map(tuple),
        ), max_size=3))),
        funding_statement=_multilingual(draw, languages, required=False),
        notes=tuple(
            Note(kind, _multilingual(draw, languages, required=True))
            for kind in ("competing-interests", "author-contributions", "data-availability")
            if draw(st.booleans())
        ),
        section=_multilingual(draw, languages, required=False),
        url=draw(optional(st.just("https://journal.example.org/a/1?x=1&y=2"))),
        references=tuple(draw(references(i)) for i in range(1, draw(st.integers(0, 6)) + 1)),
        ids=factories.rich_article().ids,
    )

"""A deterministic synthetic corpus: a seeds directory shaped like a national platform's.

Several journals (Turkish + English), each with volumes and issues; every article has
Turkish and English titles and multi-paragraph abstracts (~200-300 words per language,
hard-wrapped as editors paste them), keywords, four authors with valid ORCIDs, affiliations
with ROR-shaped ids (valid ROR check digits, but not real organisations), funding and 20
structured references. Some articles are English-only, some carry an elocation id instead
of pages, some are in special or double issues.

Each record is drawn from its own random stream seeded by (seed, journal, position), so a
record does not depend on how many others were generated, and the same arguments always
write byte-identical files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import yaml
from stdnum import issn as stdnum_issn
from stdnum.iso7064 import mod_11_2

try:  # libyaml emits the 20,000-record corpus several times faster
    from yaml import CSafeDumper as _BaseDumper
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _BaseDumper  # type: ignore[assignment]

DOI_PREFIX = "10.5555"  # Crossref's test prefix
REPOSITORY = {
    "repository-name": "Sentetik Dergi Platformu",
    "base-url": "http://127.0.0.1:8000/oai",
    "admin-email": "oai@example.org",
    "namespace": "bench.example.org",
}
# Configured citation styles per journal, in turn: real journals configure one to three.
STYLE_CHOICES: tuple[tuple[str, ...] | None, ...] = (
    None,  # the default (APA)
    ("apa", "ieee"),
    ("apa", "chicago-author-date"),
    ("apa", "modern-language-association", "isnad-metinici"),
)
# What issue 14 measures: every journal formats in the sample journal's seven styles
# (seeds/tjh/journal.yaml), each in the article's language and English.
SAMPLE_STYLES = ("apa", "chicago-author-date", "modern-language-association", "ieee", "nlm-citation-sequence",
                 "harvard-cite-them-right", "isnad-metinici")
ARTICLES_PER_ISSUE = 16
ISSUES_PER_YEAR = 4
REFERENCES_PER_ARTICLE = 20
AUTHORS_PER_ARTICLE = 4
WRAP = 88


# --- identifiers with real check digits ---------------------------------------------------

def orcid_check_digit(base15: str) -> str:
    """ISO 7064 MOD 11-2, as ORCID defines it (python-stdnum, as the reader checks it)."""
    return mod_11_2.calc_check_digit(base15)


def make_orcid(rng: random.Random) -> str:
    base = f"0000000{rng.choice('1239')}{rng.randrange(10**7):07d}"  # 0000-000[1239]-..., as ORCID issues
    digits = base + orcid_check_digit(base)
    return "-".join(digits[i:i + 4] for i in range(0, 16, 4))


def issn_check_digit(base7: str) -> str:
    return stdnum_issn.calc_check_digit(base7)


def make_issn(number: int) -> str:
    base = f"{number:07d}"
    return f"{base[:4]}-{base[4:]}{issn_check_digit(base)}"


_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def make_ror(number: int) -> str:
    """A ROR-shaped id with a valid ISO 7064 MOD 97-10 checksum: '0' + 6 base-32 digits + 2.

    Written out rather than python-stdnum's ``mod_97_10.calc_check_digits``: ROR spells the
    check as ``98 - (n * 100) % 97`` (97 and 98 where stdnum writes 00 and 01), and stdnum
    has no base-32 ROR module to decode the body with.
    """
    value = 32**5 + number % (32**6 - 32**5)
    body = ""
    for _ in range(6):
        value, digit = divmod(value, 32)
        body = _CROCKFORD[digit] + body
    ident = "0" + body
    numeric = 0
    for char in ident:
        numeric = numeric * 32 + _CROCKFORD.index(char)
    return f"https://ror.org/{ident}{98 - (numeric * 100) % 97:02d}"


# --- vocabulary -----------------------------------------------------------------------------

TR_GIVEN = ("Ayşe", "Mehmet", "Elif", "Çağrı", "Gökhan", "Şule", "İbrahim", "Özge", "Ümit", "Barış",
            "Gülşen", "Oğuz", "Zeynep", "Ahmet", "Fatma", "Emre", "Büşra", "Hakan", "Sevgi", "Tuğba",
            "Ali Rıza", "Ayşe Gül", "Işıl", "Ömer Faruk")
TR_FAMILY = ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Aydın", "Arslan", "Doğan", "Kılıç",
             "Aslan", "Çetin", "Koç", "Kurt", "Özdemir", "Güneş", "Yıldız", "Bulut", "Ekinci", "Işık",
             "Güler", "Karagöz", "Uçar", "Erşahin")
INT_GIVEN = ("Mary", "John", "Ana", "Lukas", "Minh", "Agnieszka", "Jan", "Sarah", "Pierre", "Yuki")
INT_FAMILY = ("Smith", "García", "Müller", "Nguyen", "Kowalski", "van der Berg", "O'Neil", "Dubois",
              "Tanaka", "de la Cruz")

INSTITUTIONS = (
    ("Ege Bilim Üniversitesi", "İzmir", "TR"), ("Kuzey Anadolu Üniversitesi", "Samsun", "TR"),
    ("Boğaz Teknik Üniversitesi", "İstanbul", "TR"), ("Başkent Sosyal Bilimler Üniversitesi", "Ankara", "TR"),
    ("Çukurova Kıyı Üniversitesi", "Adana", "TR"), ("Doğu Karadeniz Üniversitesi", "Trabzon", "TR"),
    ("Güneydoğu Araştırma Üniversitesi", "Diyarbakır", "TR"), ("Marmara Kent Üniversitesi", "Bursa", "TR"),
    ("University of Northmoor", "Leeds", "GB"), ("Rhine Valley University", "Cologne", "DE"),
    ("Université de la Loire Atlantique", "Nantes", "FR"), ("Vistula Institute of Technology", "Kraków", "PL"),
)
TR_DEPARTMENTS = ("Tarih Bölümü", "İktisat Bölümü", "Sosyoloji Bölümü", "Coğrafya Bölümü",
                  "Siyaset Bilimi ve Kamu Yönetimi Bölümü", "Türk Dili ve Edebiyatı Bölümü")
EN_DEPARTMENTS = ("Department of History", "Department of Economics", "School of Social Sciences",
                  "Department of Geography", "Department of Political Science")
FUNDERS = (
    ("Türkiye Bilimsel ve Teknolojik Araştırma Kurumu", "10.13039/501100004410"),
    ("European Research Council", "10.13039/501100000781"),
    ("Deutsche Forschungsgemeinschaft", "10.13039/501100001659"),
    ("National Science Foundation", "10.13039/100000001"),
    ("Wellcome Trust", "10.13039/100004440"),
)
CREDIT_ROLES = ("Conceptualization", "Data curation", "Formal analysis", "Funding acquisition",
                "Investigation", "Methodology", "Project administration", "Resources", "Software",
                "Supervision", "Validation", "Visualization", "Writing – original draft",
                "Writing – review & editing")

# (tr, en) pairs so that both languages speak of the same thing.
TOPICS = (
    ("demiryolu ağı", "railway network"), ("tahıl ticareti", "grain trade"),
    ("kentleşme", "urbanisation"), ("göç hareketleri", "migration"),
    ("vakıf kurumları", "pious foundations"), ("liman kentleri", "port cities"),
    ("matbaa ve basın", "printing and the press"), ("kadın emeği", "women's labour"),
    ("eğitim reformu", "education reform"), ("tarım kredisi", "agricultural credit"),
    ("salgın hastalıklar", "epidemics"), ("dış ticaret", "foreign trade"),
    ("yerel yönetimler", "local government"), ("sanayileşme", "industrialisation"),
    ("nüfus sayımları", "population censuses"), ("orman yönetimi", "forest management"),
)
REGIONS = (("Anadolu", "Anatolia"), ("Ege", "the Aegean"), ("Karadeniz", "the Black Sea region"),
           ("Trakya", "Thrace"), ("Doğu Akdeniz", "the Eastern Mediterranean"), ("Orta Anadolu", "Central Anatolia"),
           ("Güneydoğu Anadolu", "South-eastern Anatolia"), ("Marmara", "the Marmara region"))
SOURCES = (("arşiv belgeleri", "archival records"), ("salnameler", "provincial yearbooks"),
           ("temettuat defterleri", "income registers"), ("gazete koleksiyonları", "newspaper collections"),
           ("sözlü tarih görüşmeleri", "oral history interviews"), ("konsolosluk raporları", "consular reports"))
METHODS = (("nicel analiz", "quantitative analysis"), ("karşılaştırmalı yöntem", "the comparative method"),
           ("ağ analizi", "network analysis"), ("mekânsal analiz", "spatial analysis"),
           ("yakın okuma", "close reading"), ("prosopografi", "prosopography"))
TR_FINDINGS = ("bölgesel farkların belirgin biçimde azaldığını", "yerel seçkinlerin belirleyici rol oynadığını",
               "merkezî politikaların sınırlı etki yarattığını", "kırsal nüfusun hızla hareketlendiğini",
               "ticari ağların yeniden biçimlendiğini", "kurumların uzun süre varlığını koruduğunu")
EN_FINDINGS = ("regional differences narrowed markedly", "local elites played a decisive role",
               "central policies had only limited effect", "the rural population became rapidly mobile",
               "commercial networks were reshaped", "institutions proved remarkably durable")
TR_SECTIONS = {"research-article": "Araştırma Makalesi", "review-article": "Derleme",
               "brief-report": "Kısa Rapor", "case-report": "Olgu Sunumu"}
EN_SECTIONS = {"research-article": "Research Article", "review-article": "Review Article",
               "brief-report": "Brief Report", "case-report": "Case Report"}
JOURNAL_NAMES = (
    ("Türk Tarihi Araştırmaları", "Journal of Turkish Historical Research"),
    ("Ekonomi ve Toplum", "Economy and Society Review"),
    ("Kent Çalışmaları", "Urban Studies Quarterly"),
    ("Sosyal Bilimler Dergisi", "Journal of Social Sciences"),
    ("Anadolu Coğrafya Dergisi", "Anatolian Geographical Journal"),
    ("Siyaset ve Kamu Yönetimi", "Politics and Public Administration"),
    ("Dil ve Edebiyat İncelemeleri", "Studies in Language and Literature"),
    ("Bölgesel Kalkınma Dergisi", "Journal of Regional Development"),
)
CONTAINERS = ("Economic History Review", "Türk Tarih Kurumu Belleten", "Journal of Urban History",
              "International Journal of Middle East Studies", "Ankara Üniversitesi DTCF Dergisi",
              "Past & Present", "Toplum ve Bilim", "Comparative Studies in Society and History")
PUBLISHERS = (("Türk Tarih Kurumu", "Ankara"), ("Cambridge University Press", "Cambridge"),
              ("İletişim Yayınları", "İstanbul"), ("Routledge", "London"), ("Tarih Vakfı Yurt Yayınları", "İstanbul"))


# --- text --------------------------------------------------------------------------------

def _tr_sentences(rng: random.Random, topic, region, source, method, y1: int, y2: int) -> list[str]:
    finding = rng.choice(TR_FINDINGS)
    pool = [
        f"Bu çalışma, {y1}–{y2} yılları arasında {region[0]} bölgesinde {topic[0]} konusunu {source[0]} ışığında incelemektedir.",
        f"Araştırmada {method[0]} kullanılmış ve bulgular dönemin resmî istatistikleriyle karşılaştırılmıştır.",
        f"Elde edilen veriler, {topic[0]} alanındaki değişimin kent ile kır arasında farklı hızlarda gerçekleştiğini göstermektedir.",
        f"Bulgular, incelenen dönemde {finding} ortaya koymaktadır.",
        f"Çalışmanın ikinci bölümünde {rng.choice(SOURCES)[0]} ile {rng.choice(SOURCES)[0]} birlikte değerlendirilmiştir.",
        f"Özellikle {y1 + rng.randrange(1, 8)} sonrasında yaşanan gelişmeler, bölgedeki toplumsal yapının yeniden şekillenmesine yol açmıştır.",
        f"Literatürde çoğunlukla göz ardı edilen yerel aktörlerin, {topic[0]} sürecinde önemli bir rol üstlendiği anlaşılmaktadır.",
        f"Makale, {region[0]} örneğinin Türkiye'nin diğer bölgeleriyle karşılaştırılmasına olanak tanıyan bir çerçeve önermektedir.",
        f"Ayrıca {rng.choice(METHODS)[0]} yardımıyla kurumlar arasındaki ilişkiler ayrıntılı biçimde haritalanmıştır.",
        "Sonuç olarak, merkezî ve yerel dinamiklerin etkileşimi dönemin ekonomik ve sosyal dönüşümünü anlamak için vazgeçilmezdir.",
        f"Çalışma, gelecekteki araştırmalar için {rng.choice(SOURCES)[0]} üzerine kurulu yeni sorular önermektedir.",
        f"Şehir ölçeğinde yapılan incelemeler, {topic[0]} ile nüfus hareketleri arasında güçlü bir bağ bulunduğuna işaret etmektedir.",
        "Öte yandan kaynakların dağınıklığı ve süreklilik göstermemesi, bazı sonuçların ihtiyatla yorumlanmasını gerektirmektedir.",
        f"Ölçülen değişkenler, {y2} yılına gelindiğinde bölgesel eşitsizliklerin önemli ölçüde yeniden tanımlandığını düşündürmektedir.",
    ]
    rng.shuffle(pool)
    return pool


def _en_sentences(rng: random.Random, topic, region, source, method, y1: int, y2: int) -> list[str]:
    finding = rng.choice(EN_FINDINGS)
    pool = [
        f"This study examines {topic[1]} in {region[1]} between {y1} and {y2}, drawing on {source[1]}.",
        f"The research uses {method[1]} and compares its findings with the official statistics of the period.",
        f"The data show that change in {topic[1]} proceeded at different speeds in towns and in the countryside.",
        f"The findings reveal that, in the period examined, {finding}.",
        f"The second part of the article reads {rng.choice(SOURCES)[1]} together with {rng.choice(SOURCES)[1]}.",
        f"Developments after {y1 + rng.randrange(1, 8)} in particular reshaped the social structure of the region.",
        f"Local actors, largely overlooked in the literature, turn out to have played an important part in {topic[1]}.",
        f"The article proposes a framework that allows the case of {region[1]} to be compared with other regions of Türkiye.",
        f"With the help of {rng.choice(METHODS)[1]}, the relations between institutions are mapped in detail.",
        "In conclusion, the interplay of central and local dynamics is essential for understanding the economic and social transformation of the period.",
        f"The study suggests new questions for future research based on {rng.choice(SOURCES)[1]}.",
        f"Studies at the scale of the city point to a strong link between {topic[1]} and population movements.",
        "The scattered and discontinuous nature of the sources, however, calls for caution in interpreting some results.",
        f"The measured variables suggest that by {y2} regional inequalities had been substantially redefined.",
    ]
    rng.shuffle(pool)
    return pool


def _wrap(words: list[str], width: int = WRAP) -> str:
    lines, line = [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return "\n".join(lines)


def _abstract(sentences: list[str], rng: random.Random) -> str:
    """Two or three hard-wrapped paragraphs of ~200-300 words, blank line between them."""
    chosen, words = [], 0
    target = rng.randrange(200, 300)
    for sentence in sentences * 3:
        chosen.append(sentence)
        words += len(sentence.split())
        if words >= target:
            break
    cut = sorted(rng.sample(range(1, len(chosen)), rng.choice((1, 2))))
    paragraphs = [chosen[a:b] for a, b in zip([0, *cut], [*cut, len(chosen)])]
    return "\n\n".join(_wrap(" ".join(p).split()) for p in paragraphs) + "\n"


# --- YAML ---------------------------------------------------------------------------------

class _SeedDumper(_BaseDumper):
    """Multi-line text as literal blocks, as editors write abstracts."""


def _represent_str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_SeedDumper.add_representer(str, _represent_str)


def dump_yaml(data: dict) -> bytes:
    return yaml.dump(data, Dumper=_SeedDumper, allow_unicode=True, sort_keys=False, width=4096,
                     default_flow_style=False).encode("utf-8")


# --- records -------------------------------------------------------------------------------

@dataclass(frozen=True)
class JournalPlan:
    id: str
    index: int
    articles: int
    first_year: int
    elocation_only: bool


def _journal_record(plan: JournalPlan, styles: tuple[str, ...] | None = None) -> dict:
    tr, en = JOURNAL_NAMES[plan.index % len(JOURNAL_NAMES)]
    record = {
        "id": plan.id,
        "title": {"tr": tr, "en": en},
        "abbrev-title": "".join(w[0] for w in en.split() if w[0].isupper()) + ".",
        "issn": {"print": make_issn(1300000 + 17 * plan.index), "electronic": make_issn(2147000 + 29 * plan.index)},
        "publisher": {"name": "Sentetik Üniversite Yayınları", "location": "Ankara, Türkiye"},
        "languages": ["tr", "en"],
        "doi-prefix": DOI_PREFIX,
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "url": f"https://journals.example.org/{plan.id}",
        "oai": dict(REPOSITORY),
        "depositor": {"name": "Sentetik Üniversite Yayınları", "email": "doi@example.org"},
        "registrant": "Sentetik Üniversite",
    }
    styles = STYLE_CHOICES[plan.index % len(STYLE_CHOICES)] if styles is None else styles
    if styles:
        record["citation-styles"] = list(styles)
    return record


def _issue_of(plan: JournalPlan, position: int) -> tuple[int, str | int, int, int]:
    """(volume, issue, year, month) of the article at ``position`` in its journal."""
    issue_seq = position // ARTICLES_PER_ISSUE
    year_offset, issue_no = divmod(issue_seq, ISSUES_PER_YEAR)
    year = plan.first_year + year_offset
    volume = 1 + year_offset + plan.index
    issue: str | int = issue_no + 1
    if issue_no == 3 and year_offset % 3 == 2:
        issue = "Special"  # an irregular issue, as real platforms have
    elif issue_no == 2 and year_offset % 4 == 1:
        issue = "3-4"  # a double issue
    return volume, issue, year, 1 + issue_no * 3


def _person(rng: random.Random, affiliation_ids: list[str], corresponding: bool, index: int) -> dict:
    turkish = rng.random() < 0.8
    given = rng.choice(TR_GIVEN if turkish else INT_GIVEN)
    family = rng.choice(TR_FAMILY if turkish else INT_FAMILY)
    person: dict = {"given": given, "family": family, "orcid": make_orcid(rng)}
    slug = "".join(c for c in family.lower() if c.isascii() and c.isalpha()) or "author"
    if corresponding:
        person["email"] = f"{slug}{index}@example.org"
    person["affiliations"] = rng.sample(affiliation_ids, rng.choice((1, 1, 2)) if len(affiliation_ids) > 1 else 1)
    if corresponding:
        person["corresponding"] = True
    person["roles"] = sorted(rng.sample(CREDIT_ROLES, rng.randrange(1, 4)), key=CREDIT_ROLES.index)
    return person


def _affiliation(rng: random.Random, aff_id: str, number: int) -> dict:
    institution, city, country = INSTITUTIONS[number % len(INSTITUTIONS)]
    return {
        "id": aff_id,
        "institution": institution,
        "department": rng.choice(TR_DEPARTMENTS if country == "TR" else EN_DEPARTMENTS),
        "city": city,
        "country": country,
        "ror": make_ror(7919 * number + 104729),
    }


def _ref_people(rng: random.Random, count: int) -> list[dict]:
    people = []
    for _ in range(count):
        if rng.random() < 0.6:
            people.append({"given": rng.choice(TR_GIVEN), "family": rng.choice(TR_FAMILY)})
        else:
            people.append({"given": rng.choice(INT_GIVEN), "family": rng.choice(INT_FAMILY)})
    return people


def _reference(rng: random.Random, key: str, n: int, year: int) -> dict:
    kind = rng.choices(("journal", "book", "chapter", "thesis", "report", "webpage", "data", "confproc"),
                       weights=(12, 2, 2, 1, 1, 1, 0.5, 0.5))[0]
    topic = rng.choice(TOPICS)
    region = rng.choice(REGIONS)
    ref_year = year - rng.randrange(1, 40)
    english = rng.random() < 0.6
    title = (f"{topic[1].capitalize()} in {region[1]}, {ref_year - 60}–{ref_year - 20}" if english
             else f"{region[0]} Bölgesinde {topic[0].capitalize()} ({ref_year - 60}–{ref_year - 20})")
    ref: dict = {"type": kind, "authors": _ref_people(rng, rng.randrange(1, 5)), "title": title}
    if kind == "journal":
        first = rng.randrange(1, 400)
        ref.update({"container-title": rng.choice(CONTAINERS), "year": ref_year, "volume": rng.randrange(1, 90),
                    "issue": rng.randrange(1, 5), "pages": {"first": first, "last": first + rng.randrange(8, 40)}})
        if rng.random() < 0.7:
            ref["doi"] = f"10.{rng.randrange(1000, 9999)}/{key.replace('/', '.')}.r{n}"
    elif kind in ("book", "thesis", "report"):
        publisher, location = rng.choice(PUBLISHERS)
        ref.update({"publisher": publisher, "publisher-location": location, "year": ref_year})
        if kind == "book" and rng.random() < 0.3:
            ref["edition"] = rng.randrange(2, 5)
    elif kind == "chapter":
        publisher, location = rng.choice(PUBLISHERS)
        first = rng.randrange(1, 300)
        ref.update({"editors": _ref_people(rng, rng.randrange(1, 3)),
                    "container-title": f"{region[1].capitalize()}: Essays in Social History",
                    "publisher": publisher, "publisher-location": location, "year": ref_year,
                    "pages": {"first": first, "last": first + rng.randrange(10, 30)}})
    elif kind == "webpage":
        ref.update({"url": f"https://archive.example.org/{key.replace('/', '-')}/{n}", "year": ref_year,
                    "accessed": f"{year - 1}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"})
    elif kind == "data":
        ref.update({"publisher": "Zenodo", "year": ref_year, "doi": f"10.5281/zenodo.{rng.randrange(10**6, 10**7)}"})
    else:  # confproc
        first = rng.randrange(1, 900)
        ref.update({"container-title": f"{rng.randrange(5, 20)}. Uluslararası Sosyal Tarih Kongresi Bildirileri",
                    "publisher": "Türk Tarih Kurumu", "publisher-location": "Ankara", "year": ref_year,
                    "pages": {"first": first, "last": first + rng.randrange(8, 20)}})
    return ref


def article_record(seed: int, plan: JournalPlan, position: int) -> dict:
    """The seed record of the ``position``-th article of journal ``plan``."""
    rng = random.Random(f"{seed}:{plan.id}:{position}")
    volume, issue, year, month = _issue_of(plan, position)
    in_issue = position % ARTICLES_PER_ISSUE
    article_id = f"{plan.id}-{year}-{position + 1:05d}"
    key = f"{plan.id}/{article_id}"
    english_only = rng.random() < 0.15
    language = "en" if english_only or rng.random() < 0.2 else "tr"
    languages = ["en"] if english_only else ([language, "tr" if language == "en" else "en"])
    kind = rng.choices(tuple(TR_SECTIONS), weights=(10, 3, 2, 1))[0]

    topic, region = rng.choice(TOPICS), rng.choice(REGIONS)
    source, method = rng.choice(SOURCES), rng.choice(METHODS)
    y1 = rng.randrange(1850, 1960)
    y2 = y1 + rng.randrange(10, 40)
    titles = {
        "tr": f"{region[0]} Bölgesinde {topic[0].capitalize()}: {y1}–{y2}",
        "en": f"{topic[1].capitalize()} in {region[1]}: {y1}–{y2}",
    }
    record: dict = {
        "id": article_id,
        "type": kind,
        "language": language,
    }
    if english_only:
        record["languages"] = ["en"]
    record["doi"] = f"{DOI_PREFIX}/{plan.id}.{year}.{position + 1:05d}"
    record["title"] = {lang: titles[lang] for lang in languages}
    if rng.random() < 0.3:
        subtitles = {"tr": f"{source[0].capitalize()} Üzerine Bir İnceleme", "en": f"A Study Based on {source[1].capitalize()}"}
        record["subtitle"] = {lang: subtitles[lang] for lang in languages}

    affiliation_ids = [f"aff{i + 1}" for i in range(rng.randrange(1, 4))]
    record["authors"] = [
        _person(rng, affiliation_ids, i == 0, i + 1) for i in range(AUTHORS_PER_ARTICLE)
    ]
    record["affiliations"] = [
        _affiliation(rng, aff_id, rng.randrange(len(INSTITUTIONS) * 50)) for aff_id in affiliation_ids
    ]
    record["volume"] = volume
    record["issue"] = issue
    if plan.elocation_only or rng.random() < 0.05:
        record["elocation"] = f"e{year}{position + 1:05d}"
    else:
        first = 1 + in_issue * 24 + rng.randrange(0, 3)
        record["pages"] = {"first": first, "last": first + rng.randrange(10, 22)}
    published_day = 1 + rng.randrange(27)
    received_month = 1 + rng.randrange(12)
    record["dates"] = {
        "received": f"{year - 1}-{received_month:02d}-{1 + rng.randrange(28):02d}",
        "accepted": f"{year}-{month:02d}-{1 + rng.randrange(published_day):02d}" if published_day > 1 else f"{year}-{month:02d}-01",
        "published": f"{year}-{month:02d}-{published_day:02d}",
        "issue": f"{year}-{month:02d}",
    }
    record["section"] = {lang: (TR_SECTIONS if lang == "tr" else EN_SECTIONS)[kind] for lang in languages}
    abstracts = {
        "tr": _abstract(_tr_sentences(rng, topic, region, source, method, y1, y2), rng),
        "en": _abstract(_en_sentences(rng, topic, region, source, method, y1, y2), rng),
    }
    record["abstract"] = {lang: abstracts[lang] for lang in languages}
    tr_keywords = [topic[0], region[0], source[0], method[0], f"{y1}–{y2}"]
    en_keywords = [topic[1], region[1].removeprefix("the "), source[1], method[1], f"{y1}–{y2}"]
    record["keywords"] = {lang: (tr_keywords if lang == "tr" else en_keywords) for lang in languages}
    if rng.random() < 0.2:
        record["license"] = "https://creativecommons.org/licenses/by-nc/4.0/"
    record["copyright"] = {"holder": "The Authors", "year": year}
    funders = rng.sample(FUNDERS, rng.choice((0, 1, 1, 2)))
    if funders:
        record["funding"] = [
            {"funder": name, "funder-id": funder_id, "award": f"{rng.randrange(100, 999)}K{rng.randrange(100, 999)}"}
            for name, funder_id in funders
        ]
    if rng.random() < 0.5:
        statements = {"tr": "Yazarlar çıkar çatışması bildirmemiştir.", "en": "The authors declare no competing interests."}
        record["notes"] = {"competing-interests": {lang: statements[lang] for lang in languages}}
    record["url"] = f"https://journals.example.org/{plan.id}/article/{article_id}"
    record["references"] = [_reference(rng, key, n + 1, year) for n in range(REFERENCES_PER_ARTICLE)]
    return record


# --- the corpus -----------------------------------------------------------------------------

@dataclass(frozen=True)
class CorpusInfo:
    root: Path
    journals: tuple[str, ...]
    articles: int
    issues: int
    bytes: int

    def article_paths(self) -> list[Path]:
        return sorted(self.root.glob("*/articles/*.yaml"))


def default_journals(articles: int) -> int:
    """Four journals for a small corpus, up to eight for a large one."""
    return max(1, min(8, 4 + articles // 5000, articles))


def plan_journals(articles: int, journals: int) -> list[JournalPlan]:
    plans = []
    base, extra = divmod(articles, journals)
    for index in range(journals):
        count = base + (1 if index < extra else 0)
        plans.append(JournalPlan(f"j{index + 1:02d}", index, count, 2010 + index % 5, elocation_only=index % 4 == 3))
    return plans


def _write_journal(root: Path, plan: JournalPlan, seed: int, styles: tuple[str, ...] | None) -> tuple[int, set]:
    articles_dir = root / plan.id / "articles"
    articles_dir.mkdir(parents=True, exist_ok=True)
    (root / plan.id / "journal.yaml").write_bytes(dump_yaml(_journal_record(plan, styles)))
    total_bytes, issues = 0, set()
    for position in range(plan.articles):
        record = article_record(seed, plan, position)
        data = dump_yaml(record)
        (articles_dir / f"{record['id']}.yaml").write_bytes(data)
        total_bytes += len(data)
        issues.add((plan.id, record["volume"], record["issue"]))
    return total_bytes, issues


def generate(root: Path | str, articles: int, *, journals: int | None = None, seed: int = 0,
             styles: tuple[str, ...] | None = None, jobs: int = 1) -> CorpusInfo:
    """Write a seeds directory with ``articles`` records into ``root`` (which must not hold
    other seeds: stale files would be published too). ``jobs`` processes write journals at
    once; each journal's records depend only on ``seed`` and its plan, so the corpus is the
    same whatever ``jobs`` is."""
    root = Path(root)
    journals = journals or default_journals(articles)
    if articles < journals:
        raise ValueError(f"{articles} articles cannot fill {journals} journals")
    root.mkdir(parents=True, exist_ok=True)
    (root / "repository.yaml").write_bytes(dump_yaml(dict(REPOSITORY)))
    plans = plan_journals(articles, journals)
    if jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            written = list(pool.map(_write_journal, [root] * len(plans), plans, [seed] * len(plans), [styles] * len(plans)))
    else:
        written = [_write_journal(root, plan, seed, styles) for plan in plans]
    total_bytes = sum(size for size, _ in written)
    issues = set().union(*(found for _, found in written))
    return CorpusInfo(root, tuple(p.id for p in plans), articles, len(issues), total_bytes)


def retitle(path: Path, suffix: str = " (revised)") -> None:
    """An editor's typo fix: change the title (every language) of one seed file."""
    data = yaml.load(path.read_bytes(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    data["title"] = {lang: text + suffix for lang, text in data["title"].items()}
    path.write_bytes(dump_yaml(data))

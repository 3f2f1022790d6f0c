"""The names of the parts writers produce: byte fragments that journal-level files and the
OAI-PMH store are assembled from. Shared by the writers, the publish stage and the OAI
formats, so one name means one thing everywhere."""

JATS_PART = "jats"
CSL_PART = "csl"
BIBTEX_PART = "bibtex"
BIBLATEX_PART = "biblatex"
RIS_PART = "ris"
OAI_DC_PART = "oai_dc"
CROSSREF_PART = "crossref"  # one journal_article element
CROSSREF_ISSUE_PART = "crossref-issue"  # the journal_issue element it belongs to
DOAJ_PART = "doaj"
SITE_PART = "site"

"""HTTP: the OAI-PMH endpoint over the record store (:mod:`.oai_app`) and the editor's preview,
the static site next to it (:mod:`.preview`). The pure OAI-PMH rules it applies live in
:mod:`pipeline.oai`, below the store, so the store can use them without importing a server.
"""

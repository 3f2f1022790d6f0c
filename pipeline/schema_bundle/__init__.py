"""The official schema bundle: where it is (:mod:`.bundle`: ``--schemas``, ``$PIPELINE_SCHEMAS``,
``../shared/schemas``, the user cache) and how to download it (:mod:`.fetch`, ``pipeline
schemas fetch``). Output validation reads schemas from it; so do the CLI and the OJS importer,
which is why it is not part of :mod:`pipeline.output_checks`.
"""

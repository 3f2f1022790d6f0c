"""Input validation: the checks every YAML record passes before anything is written.

JSON Schema (:mod:`.schema`), rules a schema cannot say (:mod:`.semantic`), DOIs unique
across the corpus (:mod:`.uniqueness`), what a deposit needs (:mod:`.deposit`, ``validate
--for``) and the wording of every message (:mod:`.messages`). They report
:class:`pipeline.diagnostics.Diagnostic` values; :mod:`pipeline.read` runs them.
"""

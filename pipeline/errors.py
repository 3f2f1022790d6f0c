"""The one base class of every error the library raises on purpose.

Scripts catch :class:`PipelineError` to tell "the input or the environment is wrong" (a
message meant for a person) from a bug (any other exception). Each module keeps its own
specific class (``InvalidInput``, ``OutputInvalid``, ``BundleNotFound``...) derived from it.
This module imports nothing, so every layer may use it.
"""


class PipelineError(Exception):
    """Base of the errors ``pipeline`` raises for bad input, bad configuration or an
    unavailable resource (schema bundle, database, cluster)."""

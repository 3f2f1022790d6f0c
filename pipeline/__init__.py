"""Metadata export and publishing pipeline for scholarly journals.

``import pipeline`` is the library API (the functions are :mod:`pipeline.api`'s):

    import pipeline
    corpus = pipeline.load_corpus("seeds")                 # every record, validated
    article, journal = pipeline.read_record("seeds/tjh/articles/anadolu-demiryollari.yaml")
    jats = pipeline.render(article, journal, "jats")       # bytes of one output
    problems = pipeline.validate("seeds")                  # [] when every record is valid
    report = pipeline.publish("seeds", "out")              # the whole pipeline

plus ``render_files`` and the error base ``PipelineError``. No submodule is called ``render``,
``validate`` or ``publish`` (they are :mod:`pipeline.rendering`, :mod:`pipeline.input_checks`
and :mod:`pipeline.publishing`), so importing one never replaces a function here. The
functions are imported on first use, so ``import pipeline`` (and every CLI run) stays cheap.
"""

__version__ = "0.1.0"

_API = ("load_corpus", "read_record", "render", "render_files", "validate", "publish")
__all__ = [*_API, "PipelineError", "api", "__version__"]


def __getattr__(name: str):
    if name in _API:
        from . import api

        return getattr(api, name)
    if name == "PipelineError":
        from .errors import PipelineError

        return PipelineError
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

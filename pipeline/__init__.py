"""Metadata export and publishing pipeline for scholarly journals.

The library API is :mod:`pipeline.api` (``from pipeline import api``): ``load_corpus``,
``read_record``, ``render``, ``render_files``, ``validate``, ``publish``. ``load_corpus``,
``read_record``, ``render_files`` and the error base ``PipelineError`` are also offered here;
``render``, ``validate`` and ``publish`` are not, because ``pipeline.rendering``,
``pipeline.input_checks`` and ``pipeline.publishing`` are modules of the package (the import system
replaces a package attribute of that name with the module once it is imported). They are imported on first use, so ``import pipeline`` (and
every CLI run) stays cheap.
"""

__version__ = "0.1.0"

_API = ("load_corpus", "read_record", "render_files")
__all__ = [*_API, "PipelineError", "api", "__version__"]


def __getattr__(name: str):
    if name in _API:
        from . import api

        return getattr(api, name)
    if name == "PipelineError":
        from .errors import PipelineError

        return PipelineError
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")

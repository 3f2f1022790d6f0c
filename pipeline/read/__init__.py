"""The one reader: YAML seeds -> validated, normalized :mod:`pipeline.model` objects."""

from .corpus import LoadResult, discover, load_corpus

__all__ = ["LoadResult", "discover", "load_corpus"]

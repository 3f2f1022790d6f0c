"""Metadata export and publishing pipeline for scholarly journals."""

__version__ = "0.1.0"

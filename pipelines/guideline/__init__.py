"""Guideline recommendations as data: load, check, review, publish and report."""

__version__ = "0.1.0"

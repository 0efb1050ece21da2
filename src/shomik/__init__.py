"""Shomik: a self-hosted web messenger with calls."""

__version__ = "0.1.0"

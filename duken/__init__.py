"""Duken: an interactive-marketing commerce platform."""

__version__ = "0.1.0"

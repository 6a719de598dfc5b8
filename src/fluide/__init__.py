"""Fluide: measure and reduce customer effort."""

__version__ = "0.1.0"

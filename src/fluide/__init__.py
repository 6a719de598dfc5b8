"""Fluide: measure and reduce customer effort."""

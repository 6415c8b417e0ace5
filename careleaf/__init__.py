"""Careleaf: a static-site generator for patient-facing medicine information."""

__version__ = "0.1.0"

"""Parta: an open, self-hostable educational messenger."""

__version__ = "0.1.0"

"""advice search: semantic search over a library of advice articles."""

__version__ = "0.1.0"

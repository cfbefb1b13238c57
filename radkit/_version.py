"""The kit's version, in a module of its own so that any layer can read it without importing :mod:`radkit`."""

__version__ = "0.1.0"

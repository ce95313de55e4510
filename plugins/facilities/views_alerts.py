"""Placeholder."""

from .blueprint import bp, city_bp  # noqa: F401

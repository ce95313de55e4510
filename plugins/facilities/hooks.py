"""The plugin's answers to the core's hooks."""

from __future__ import annotations

from . import models  # noqa: F401

__all__: list[str] = []

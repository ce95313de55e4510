"""Plugins shipped with Kelurahan Pintar: one folder per plugin, found at start-up."""

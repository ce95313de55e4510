"""The core's blueprints."""

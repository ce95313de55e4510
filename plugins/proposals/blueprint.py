"""The plugin's blueprint, mounted by the host at /k/<slug>/usulan/."""

from pathlib import Path

from flask import Blueprint

HERE = Path(__file__).parent

bp = Blueprint(
    "proposals",
    __name__,
    template_folder=str(HERE / "templates"),
    static_folder=str(HERE / "static"),
)

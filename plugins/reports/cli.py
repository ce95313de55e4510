"""`flask --app wsgi kp reports ...`"""

from flask.cli import AppGroup

reports_cli = AppGroup("reports", help="Community reports (plugin reports).")

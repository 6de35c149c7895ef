"""WSGI entry point used by gunicorn: pages and API calls each through their own middleware chain."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup(set_prefix=False)

from medcode.core.handlers import Application  # noqa: E402 - needs the settings configured above

application = Application()

"""API tests share the account fixtures: default plans, a fresh rate-limit cache per test."""

from medcode.accounts.tests.conftest import _clear_cache, _plans  # noqa: F401 - fixtures used by name

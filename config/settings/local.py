"""Settings for a local instance started with `medcode serve` (the default)."""

from config.settings.base import *  # noqa: F403

"""Moved to medcode.cli.serve (issue 23): this name stays importable and is the same module object."""

import sys

from medcode.cli import serve

sys.modules[__name__] = serve

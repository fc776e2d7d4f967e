"""``python -m bot``: the same command line as ``lantern``."""

import sys

from bot.runtime.cli import main

sys.exit(main())

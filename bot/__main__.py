"""`python -m bot` is the same as `prasan`."""

import sys

from bot.cli import main

sys.exit(main())

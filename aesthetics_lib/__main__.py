"""Entry point for ``python -m aesthetics_lib``."""

import sys

from aesthetics_lib.cli import main

sys.exit(main())

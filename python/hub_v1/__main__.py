"""``python -m hub_v1``: the ``hub_v1`` command line."""

import sys

from hub_v1.cli import main

sys.exit(main())

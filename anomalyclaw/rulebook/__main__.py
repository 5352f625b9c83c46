"""``python -m anomalyclaw.rulebook``: see ``--help``."""

import sys

from anomalyclaw.rulebook._cli import main

sys.exit(main())

"""Entry point of ``python -m anomalyclaw.data``."""

import sys

from anomalyclaw.data._cli import main

sys.exit(main())

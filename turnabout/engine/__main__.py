"""``python -m turnabout.engine``: the same as ``turnabout match``."""

import sys

from turnabout.engine.cli import main

if __name__ == "__main__":
    sys.exit(main())

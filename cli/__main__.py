"""``python -m weightspec.cli``: the same as the ``weightspec`` command."""

import sys

from .main import main

sys.exit(main())

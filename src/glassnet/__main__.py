"""Allow ``python -m glassnet``."""

from glassnet.cli import main

raise SystemExit(main())

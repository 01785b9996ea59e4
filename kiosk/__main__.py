"""`python -m kiosk`: the `kiosk` command, for where the script is not installed."""

from kiosk.cli import main

raise SystemExit(main())

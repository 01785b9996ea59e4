"""`python -m sync.receiver`: the `kiosk-receiver` command, for where the script is not installed."""

from sync.receiver.cli import main

raise SystemExit(main())

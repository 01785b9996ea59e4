"""The entry points: the `kiosk` and `kiosk-receiver` commands.

They are the composition roots, the only code that wires the rooms together (the core,
the screens, the kiosk's uploader, the provider's service); nothing imports them
(docs/architecture.md).
"""

"""What kiosk and provider share on the wire: the protocol's names, the record a kiosk seals
(docs/protocol.md) and the signed bundle's format. It imports nothing of either end."""

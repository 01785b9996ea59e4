"""kiosk-receiver: the provider's side of the sync protocol (docs/protocol.md).

Kiosks upload sealed envelopes; the receiver opens each with the private key its `kid`
names, checks the record against its survey and stores it exactly once. It also takes
heartbeats, serves signed bundles and enrols kiosks. Nothing here imports Textual.
"""

"""The provider's side: receiving, opening and exporting kiosk feedback."""

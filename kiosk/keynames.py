"""The names of the provider's key pair, for code that must not load cryptography: its files, and
the environment variable that may hold the private key's passphrase."""

PRIVATE_KEY_FILE = "provider-key.pem"
PUBLIC_KEY_FILE = "provider-key.pub.pem"
PASSPHRASE_ENV = "KIOSK_KEY_PASSPHRASE"

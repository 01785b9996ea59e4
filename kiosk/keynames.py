"""The file names of the provider's key pair, for code that must not load cryptography."""

PRIVATE_KEY_FILE = "provider-key.pem"
PUBLIC_KEY_FILE = "provider-key.pub.pem"

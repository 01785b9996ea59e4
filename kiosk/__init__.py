"""The kiosk's core: everything a feedback kiosk does, with no user interface.

Nothing in this package may import Textual (tests/test_core_imports.py checks it),
and the heavy libraries (cryptography, tinydb) are imported only by the modules
that seal and store, so that the first screen paints without them.
"""

__version__ = "0.1.0"

"""taawun: security partnerships between nations."""

__version__ = "0.1.0"

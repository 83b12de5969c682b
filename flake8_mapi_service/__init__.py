"""flake8-mapi-service: flake8 checks for MAPI clients running as Windows services."""

__version__ = "0.1.0"

"""TAXII 2.1 server (OASIS TAXII 2.1): discovery, API root, collections, objects, manifest,
versions and status, over the intel store and its release policy."""

from taawun.intel.taxii.routes import router

__all__ = ["router"]

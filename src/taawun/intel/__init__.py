"""Intel: the STIX 2.1 store, markings, the release policy, TAXII 2.1 (``intel/taxii/``)."""

"""Importers of the shipped datasets into the registry; ``run.import_all`` is the entry point.

One module per dataset: ``cow_states`` (COW State System v2016 + countrycode
crosswalk), ``cow_igo`` (COW IGO v3 and curated memberships, with
``organization_names`` for names over time), ``atop`` (ATOP 5.1, with
``atop_titles`` for curated treaty names, derived titles and organization
links) and ``curated`` (agreements since 2019). Private helpers: ``_csv``
(strict reading), ``_sync`` (bulk upsert by natural key), ``_agreements``
(agreements with their children).
"""

"""Importers of the cooperation record: MME exercises, Geo-PKO deployments, SIPRI
transfers (``run.py`` runs them after the registry's own import)."""

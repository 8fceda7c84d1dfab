"""Partnership analytics: figures derived at query time from the registry, for one viewer.

Nothing here is stored. Dyad-years (``service.dyad_years``) are computed from the party
spells the viewer may see (the registry's confidentiality rule, in the query) with numpy.
"""

"""Cooperation: what partners do together beyond sharing intelligence.

One sub-package per activity, each with the context's rooms (``models``, ``schemas``,
``repository``, ``service``, ``api``): ``threats`` (the correlation index and shared
threats), ``operations`` (combined operations, live and Geo-PKO's historical
deployments), ``training`` (programmes and the reciprocity ledger), ``exercises`` (joint
exercises, live and MME's record) and ``transfers`` (technology exchange and military
aid, live and SIPRI's record). ``policy.py`` holds the access rule they share,
``api.py`` assembles their routers and ``importers/`` loads the historical record.
"""

"""Cooperation: transfers (see the package docstring of ``taawun.cooperation``)."""

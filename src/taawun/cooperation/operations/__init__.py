"""Cooperation: operations (see the package docstring of ``taawun.cooperation``)."""

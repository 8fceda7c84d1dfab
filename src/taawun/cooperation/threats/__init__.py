"""Cooperation: threats (see the package docstring of ``taawun.cooperation``)."""

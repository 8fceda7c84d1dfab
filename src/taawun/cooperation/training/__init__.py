"""Cooperation: training (see the package docstring of ``taawun.cooperation``)."""

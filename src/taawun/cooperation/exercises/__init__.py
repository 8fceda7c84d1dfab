"""Cooperation: exercises (see the package docstring of ``taawun.cooperation``)."""

"""Settings, clock, id factory, the error tree and Principal. Imports nothing else of taawun."""

"""Use cases, each on a unit of work."""

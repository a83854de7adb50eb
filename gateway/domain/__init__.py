"""Pure values and rules: no I/O, no aiohttp, no SQLAlchemy."""

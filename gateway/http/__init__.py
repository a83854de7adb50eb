"""The HTTP entrypoint: the aiohttp app, health, the JSON API."""

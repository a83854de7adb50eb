"""Process-wide services every layer may use: asyncio helpers (``aio``), the Prometheus
metrics (``metrics``) and the gettext catalogues (``i18n``)."""

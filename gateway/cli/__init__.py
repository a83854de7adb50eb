"""The ``meter-gateway`` command line."""

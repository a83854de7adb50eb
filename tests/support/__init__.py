"""What the tests share, written once: the gateway as a subprocess (``gateway``), webhook
signatures (``signing``), waiting for a state with a deadline (``waiting``), the outside
world's fakes (``fakes``: an SMS provider), mail (``mail``: builders, an SMTP sink, an MTA's
delivery), row counts and database faults (``db``) and free ports (``ports``)."""

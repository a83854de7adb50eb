"""SMS as a channel: one module per provider (``twilio``, ``generic``), each behind the
small interface of ``provider`` (verify, decode, answer, send) with its own settings;
``webhook`` serves every provider's route in the one inbound order.
"""

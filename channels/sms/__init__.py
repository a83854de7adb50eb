"""SMS as a channel: its providers' webhooks and senders."""

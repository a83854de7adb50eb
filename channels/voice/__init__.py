"""The phone line: a voice provider's webhooks driving the dialogue of
``gateway.service.calls`` (docs/channels.md, "Phone calls")."""

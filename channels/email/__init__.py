"""Email as a channel: mail sent to the gateway's own SMTP listener (``smtp``) or left in an
existing mailbox polled over IMAP (``imap``, its connection in ``imap_session``), replies
through a smarthost (``out``).

Both ways in give the raw message to ``mime.to_inbound``, which reads it within bounds
(``bounds``): header values (``headers``, charsets in ``charset``), the body and attachments
(``body``, HTML in ``html``) and the text the parser is given (``text``).
"""

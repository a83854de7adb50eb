"""The composition root: the one place that builds the database, the use cases, the channels
and their senders, for the HTTP app (``factory.init_app``) and the CLI
(``factory.run_with_database``); ``lifecycle`` starts and stops them in order,
``channel_settings`` and ``telegram`` wire the channels the configuration turns on."""

"""Where notifications are delivered: the log and a Standard Webhooks receiver."""

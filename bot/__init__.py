"""Prasan runtime: configuration, channels, web server, scheduler, outbox sender, Thai NLP."""

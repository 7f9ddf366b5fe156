"""Entrypoints: settings, the container (composition root), the web app and the CLI."""

"""Use cases and the ports they speak to; no framework, no adapter."""

"""One module per use case; each takes its ports in the constructor and exposes `execute`."""

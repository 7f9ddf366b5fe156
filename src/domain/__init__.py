"""The payment domain: pure rules, no I/O, no clock, no randomness."""

"""Stores behind the application's UnitOfWork port: memory, JSON journal, SQL."""

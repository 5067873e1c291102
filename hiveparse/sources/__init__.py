"""Backends that turn evidence bytes into the registry model."""

"""Peer engines (regipy, python-registry) behind the registry model, as second opinions."""

"""Test support, not part of the product: ``isolation`` runs work in a spawned child
process under resource limits and classifies how it ended."""

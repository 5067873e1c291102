"""construct declarations of on-disk and binary formats (declarations only), each written
to read like its specification; ``fastpath`` compiles their fixed heads for hot loops.

Imports the foundations only.
"""

"""Two machines side by side: ``diff`` (the raw key and value differences of two registries,
and the .reg patch that turns one into the other).

Each side is the evidence of one machine (``sides``), opened as analyze opens it; the
difference is taken only where both sides' evidence shows the registry (an absence counts
only where the other side's input covers it), under each side's current control set.

May import the evidence stage and the stages below it; ``report`` and the CLI import it.
"""

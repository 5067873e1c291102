"""construct declarations of on-disk and binary formats (declarations only)."""

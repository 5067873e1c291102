"""Remote Desktop Services licensing: what to read, the facts it gives, and the findings."""

"""The hiveparse command line (typer), installed as hiveparse.cli."""

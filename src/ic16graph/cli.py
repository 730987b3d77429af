"""Command-line interface (placeholder until the pipeline lands)."""


def main() -> int:
    """Entry point of the `ic16graph` command."""
    return 0

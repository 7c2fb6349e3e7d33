"""Argument types and help texts several subcommands share."""

from __future__ import annotations

import argparse

__all__ = ["seed", "FORCE_HELP"]

FORCE_HELP = "go on with a network beyond the size limits (docs: Limits and refusals)"


def seed(text: str) -> int:
    """An argparse type: a seed is a non-negative integer (numpy refuses the others)."""
    try:
        value = int(text) if len(text) <= 20 else -1
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, received {text[:40]!r}")
    return value

"""The synthetic city generator behind ``bidgraph generate``: a procurement world with planted
collusion and decoys, written as an input bundle plus ``truth.json`` (docs/generator.md)."""

from bidgraph.citygen.city import generate_city

__all__ = ["generate_city"]

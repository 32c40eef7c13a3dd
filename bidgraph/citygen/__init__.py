"""Synthetic public-resource trading city with planted schemes (bidgraph generate)."""

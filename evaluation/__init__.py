"""Evaluation: how well the detectors find what is known to be there.

``truth`` scores findings against a generated world's planted schemes; ``cartels`` runs the
whole batch on a labelled real cartel dataset; ``metrics`` holds the figures both report.
"""

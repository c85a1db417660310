"""Synthetic county generator: background population plus planted pattern instances with ground truth."""

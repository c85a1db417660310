"""Synthetic county generator: background population plus planted pattern instances with ground truth."""

from .builder import PLANTERS, GroundTruth, ScenarioBuilder, planter
from .county import generate_county, planted_count

__all__ = ["PLANTERS", "GroundTruth", "ScenarioBuilder", "generate_county", "planted_count", "planter"]

"""Demo council generator: a landing directory that follows the source contract (SOURCES.md),
calibrated to Bristol's published figures (sources/generator/data) and deterministic from a seed."""
from .landing import GeneratorConfig, generate, generate_council

__all__ = ["GeneratorConfig", "generate", "generate_council"]

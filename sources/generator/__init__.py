"""Demo council generator: a landing directory that follows ../shared/specs/SOURCES.md, calibrated
to Bristol's published figures (../shared/reference) and deterministic from a seed."""
from .landing import GeneratorConfig, generate, generate_council

__all__ = ["GeneratorConfig", "generate", "generate_council"]

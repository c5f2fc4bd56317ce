"""The realistic synthetic municipality: households, help and planted cases for demos, tests and benchmarks.

``generate_municipality(households, seed)`` builds all nine tables of :data:`graph.schema.TABLES` plus the ground
truth of the planted cases; ``write_municipality`` writes them as CSV/Parquet with ``planted.csv`` and
``manifest.json``. See ``docs/synthetic.md``.
"""

from .municipality import GENERATOR_VERSION, SyntheticMunicipality, generate_municipality, write_municipality
from .rates import FLAGS, PlantRates

__all__ = [
    "FLAGS",
    "GENERATOR_VERSION",
    "PlantRates",
    "SyntheticMunicipality",
    "generate_municipality",
    "write_municipality",
]

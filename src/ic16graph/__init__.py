"""ic16graph: the open knowledge graph of Finland's Innovative Cities programme (Innokaupungit)."""

__version__ = "0.1.0"

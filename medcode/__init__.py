"""medcode: a self-hostable medical coding reference and assistant platform."""

__version__ = "0.1.0"

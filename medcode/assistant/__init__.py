"""The coding assistant: answers coding questions from the codebook's tools, never with an invented code."""

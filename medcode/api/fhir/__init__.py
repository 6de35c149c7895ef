"""FHIR R4 terminology operations over the codebook."""

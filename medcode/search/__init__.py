"""Search over the codebook: query parsing, ranking, autocomplete, the Alphabetic Index, case-to-code."""

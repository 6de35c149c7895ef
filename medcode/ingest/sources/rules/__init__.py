"""Billing-rule sources: NCCI PTP edits, MUE, add-on codes, Physician Fee Schedule RVUs and GPCIs."""

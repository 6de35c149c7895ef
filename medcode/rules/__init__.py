"""Billing rules: NCCI, MUE, add-on codes, fee schedule, modifiers, DRG, HCC and crosswalks."""

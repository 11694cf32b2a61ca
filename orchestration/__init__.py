"""Dagster code location and command line for the ASC commissioning warehouse."""

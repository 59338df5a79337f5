"""The shipped instruments (YAML files), installed as package data."""

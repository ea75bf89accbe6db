"""Jinja2 templates of the static site, shipped as package data."""

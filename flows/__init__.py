"""Prefect flows and the plain scraping functions they call."""

"""Governance pages (namespace ``governance``)."""

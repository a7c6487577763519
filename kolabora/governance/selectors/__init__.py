"""Reads of governance: scopes, accountability, the network, assessments and feedback."""

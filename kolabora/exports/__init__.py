"""Bulk exports of participants, their steps and their stage records (xlsx and CSV), scoped and audited."""

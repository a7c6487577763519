"""Writes of governance: assessment rounds and feedback (one transaction and one audit row each)."""

from .assessments import framework_items, response_submit, round_close, round_create, round_open
from .feedback import SUBJECT as FEEDBACK_SUBJECT
from .feedback import answer_days, feedback_answer, feedback_give

__all__ = [
    "FEEDBACK_SUBJECT",
    "answer_days",
    "feedback_answer",
    "feedback_give",
    "framework_items",
    "response_submit",
    "round_close",
    "round_create",
    "round_open",
]

"""Development and demo: embedded SQLite in ./var, DEBUG on, mail to the console."""

from .base import *  # noqa: F403
from .base import DATA_DIR

DEBUG = True
DATA_DIR.mkdir(parents=True, exist_ok=True)

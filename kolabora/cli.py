"""The ``kolabora`` console script: Django's management commands for this project.

``kolabora demo``, ``kolabora migrate``, ``kolabora apitoken USERNAME`` ... The development settings are
the default so a fresh clone works with no configuration; production sets DJANGO_SETTINGS_MODULE.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kolabora", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()

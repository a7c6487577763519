#!/usr/bin/env python
"""Same as the ``kolabora`` console script, for tools that expect manage.py."""

from kolabora.cli import main

if __name__ == "__main__":
    main()

"""Bookkeeping pages (namespace ``bookkeeping``): the cash book, statements and report, imports, and the
consistency lists for staff."""

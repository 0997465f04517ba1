"""Analyses built on routing: month-by-month calendars (and later scenarios, matrices)."""

"""`make bench`: printed figures for the performance goals (see README). No pass/fail on time."""

"""Running a check: planning, units, cache, the process pool, fixing rounds and suppression."""

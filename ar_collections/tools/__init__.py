"""Plain-Python parts of the addon: no model, no database (the score formula, the batch loop of the jobs)."""

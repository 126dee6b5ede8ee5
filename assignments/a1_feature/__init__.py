"""Assignment 1: a hand-crafted feature (submission.py, starter.ipynb, harness.py, test_public.py)."""

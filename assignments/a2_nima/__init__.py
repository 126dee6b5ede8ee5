"""Assignment 2: the EMD loss and a NIMA head (submission.py, starter.ipynb, harness.py, test_public.py)."""

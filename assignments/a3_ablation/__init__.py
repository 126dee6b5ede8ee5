"""Assignment 3: a saliency fusion or pooling pattern, measured in an ablation (submission.py,
starter.ipynb, harness.py, test_public.py)."""

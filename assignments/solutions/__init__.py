"""Reference solutions of the assignments (one submission folder: ``a1_feature.py``, ``a2_nima.py``,
``a3_ablation.py``); ``pattern/`` holds a second A3 solution, of the other kind. In a real course the
instructor keeps this folder out of the students' copy (see assignments/README.md)."""

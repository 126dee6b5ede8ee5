"""Hidden tests of the assignments (in a real course, the instructor keeps this folder)."""

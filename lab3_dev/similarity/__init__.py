"""The similarity check's calibration class and its baseline (developer tools).

- :mod:`.styles`     hand-written students in styles of their own, and the rewritten copies
- :mod:`.disguise`   the disguiser: renames, reorders, comments, loops, helpers, numpy swaps
- :mod:`.classgen`   the generated class: independent students, copies, the ground truth
- :mod:`.baseline`   copydetect on the same class
- :mod:`.calibrate`  both scored on the class: recall and false positives by kind of pair
"""

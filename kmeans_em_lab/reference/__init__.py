"""The reference implementations the hidden checks compare students with.

- :mod:`.kmeans`    reference K-Means (vectorised numpy)
- :mod:`.em`        reference EM for the 1-D two-component mixture
- :mod:`.contract`  the reference behind each of the lab's function names
"""

"""Developer tools of the Lab 3 course: never imported by the grader (``kmeans_em_lab``)
nor by the kernel side (``lab3_kernel``).

- :mod:`.bench`     ``make bench``: the benchmarks, ``bench/results.md``
- :mod:`.mutation`  ``make mutants``: the mutation score of the hidden checks
- :mod:`.oracles`   scikit-learn as an independent oracle of the reference implementations
- :mod:`.similarity`  the similarity check's calibration class and copydetect baseline
- :mod:`.figures`   ``python -m kmeans_em_lab figures``: the calibration and oracle figures
- :mod:`.postgres`  a throw-away PostgreSQL server for the tests and the simulation
- :mod:`.simulate`  ``python -m lab3_dev.simulate`` (part 6 of ``make bench``): the grading
  driver fed thousands of synthetic results, on SQLite and PostgreSQL
"""

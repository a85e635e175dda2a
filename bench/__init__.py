"""National-scale benchmark (issue 10): `python -m bench [--scale national|small]`, `make bench`.

Measures, on this machine: the full national load through the validating loader (rows per second, peak memory),
loading one more year, every dashboard query (median and 95th percentile of repeated runs, for the whole country,
one province and one unit), the app process's peak memory, and a straightforward pandas implementation of the
distribution and quota computations on the same data. Writes bench/results/<scale>.json; the last line printed is
the summary. bench/workload.py says which queries run with which parameters; bench/workers.py holds the measured
processes.
"""

"""``make bench``: a synthetic corpus and the measurements of issue 6 (see BENCHMARKS.md).

- :mod:`bench.corpus`: the deterministic synthetic seeds directory;
- :mod:`bench.child`: one publish in a fresh process (optionally under cProfile);
- :mod:`bench.memory`: wall, CPU and peak memory of a child process tree;
- :mod:`bench.stages`: per-stage wall and CPU time per record, in one process;
- :mod:`bench.pandoc`: the same corpus's JATS from one batched pandoc process;
- :mod:`bench.run` / :mod:`bench.report`: the measurements in order, and BENCHMARKS.md.
"""

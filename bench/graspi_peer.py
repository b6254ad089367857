"""py-graspi, the Python port of GraSPI, on GraSPI .txt volumes, for bench/graspi-compare.ts.

Usage: python3 bench/graspi_peer.py FILE.txt...

Times, per file, what a py-graspi user runs: generateGraph (reading the file and
building the igraph graph) and compute_descriptors (two-phase, pixel size 1,
non-periodic), each once (a 64^3 volume takes minutes). compute_descriptors
traces memory with tracemalloc while it runs, as py-graspi always does; that is
part of its cost. It writes tortuosity files under ./test_results/, so run it
from a scratch folder. Prints one JSON object per file on stdout, as it finishes.
"""
import json
import os
import sys
import time

os.environ.setdefault("MPLBACKEND", "Agg")  # py-graspi imports matplotlib.pyplot
import py_graspi

for path in sys.argv[1:]:
    os.makedirs("test_results", exist_ok=True)
    t0 = time.perf_counter()
    graph = py_graspi.generateGraph(path)
    t1 = time.perf_counter()
    descriptors = py_graspi.compute_descriptors(graph, os.path.basename(path))
    t2 = time.perf_counter()
    for key in ("time_in_seconds", "mem_in_mb"):
        descriptors.pop(key, None)
    print(json.dumps({"file": path, "graphSeconds": t1 - t0, "descriptorSeconds": t2 - t1, "descriptors": descriptors}), flush=True)

#!/usr/bin/env python3
"""The quadrant benchmark's table (pipelines/quadrants.sh): reads each run's metrics.json
(vae-eval's inpaint.conditional_nll, nats per image over the 10,000 test images) and writes
ARTIFACTS/report/NAME.md (quadrants.md; quadrants-quick.md for a smoke run) beside Pyro's
published figures. Usage: quadrants-table.py ARTIFACTS NAME"""
import json
import os
import sys

# Pyro's CVAE example (examples/cvae), its published table: NN baseline / CVAE, nats per image.
PYRO = {1: (100.4, 71.8), 2: (61.9, 51.0), 3: (25.4, 24.2)}


def nll(path):
    with open(path) as f:
        return json.load(f)["inpaint"]["conditional_nll"]


def main():
    artifacts, name = sys.argv[1], sys.argv[2]
    lines = [
        "| observed quadrants | baseline (masked BCE) | CVAE, -ELBO (10 samples) | CVAE, IW (k samples) | Pyro baseline | Pyro CVAE |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for q in (1, 2, 3):
        runs = os.path.join(artifacts, "runs", "%s-%d-" % (name, q))
        base, cvae = nll(runs + "baseline/metrics.json"), nll(runs + "cvae/metrics.json")
        lines.append("| %d | %.2f | %.2f | %.2f (k = %d) | %.1f | %.1f |" % (
            q, base["iw"], cvae["elbo"], cvae["iw"], cvae["iw_samples"], PYRO[q][0], PYRO[q][1]))
    out = os.path.join(artifacts, "report", name + ".md")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    text = ("Quadrant benchmark (Pyro's CVAE example): -log p(hidden | observed), Bernoulli NLL summed over "
            "the predicted pixels, nats per image, mean over the 10,000 MNIST test images (lower is better).\n\n"
            + "\n".join(lines) + "\n")
    with open(out + ".tmp", "w") as f:
        f.write(text)
    os.replace(out + ".tmp", out)
    print(text, end="")
    print("quadrants-table: wrote " + out)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Fills the holes of occluded test images from their nearest training images.

A model-free yardstick for hole filling: for each test image, the K training
images closest to it on the observed pixels (squared distance over mask 1)
are found, and the hole (mask 0) is filled with the mean of their pixels
there. With K around 10 this is a fair estimate of the conditional mean
E[x_hidden | x_observed], the fill with the least expected squared error,
so it shows roughly how far any fill of these holes can go.

Scores exactly as vae-eval's hole scores: per image the MSE over the hidden
pixels (intensities in [0, 1]) and PSNR = 10 log10(1 / MSE) capped at
100 dB, each averaged over the images that have a hole. A hole on blank
background that all K neighbours leave blank is filled exactly (MSE 0,
100 dB), which a model's sigmoid output never is; the count is printed.

  python3 scripts/hole-ceiling.py --masks artifacts/corrupt/inpaint-square-test/mask.idx
"""
import argparse
import sys

import numpy as np


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 8:
        sys.exit(f"{path}: not an IDX file of unsigned bytes")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    if len(data) != 4 + 4 * ndim + int(np.prod(dims)):
        sys.exit(f"{path}: {len(data)} bytes do not match the header's dimensions {dims}")
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims[0], -1)


def scores(fill, truth, hidden):
    squares = ((fill - truth) ** 2 * hidden).sum(1)
    counts = hidden.sum(1)
    has_hole = counts > 0
    mse = squares[has_hole].astype(np.float64) / counts[has_hole]
    psnr = np.full_like(mse, 100.0)
    inexact = mse > 0
    psnr[inexact] = np.minimum(100.0, -10 * np.log10(mse[inexact]))
    return mse.mean(), psnr.mean(), int(has_hole.sum()), int((~inexact).sum())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="artifacts/data/mnist", help="folder with train-images.idx and test-images.idx")
    parser.add_argument("--masks", required=True, help="mask.idx of a vae-corrupt test folder (1 observed, 0 hidden)")
    parser.add_argument("--k", default="1,3,10,30", help="neighbour counts, comma-separated")
    parser.add_argument("--chunk", type=int, default=500, help="test images per distance block")
    args = parser.parse_args()
    ks = [int(k) for k in args.k.split(",")]
    if not ks or min(ks) < 1:
        sys.exit("--k: neighbour counts must be 1 or more")
    train = read_idx(f"{args.data}/train-images.idx").astype(np.float32) / 255
    test = read_idx(f"{args.data}/test-images.idx").astype(np.float32) / 255
    masks = read_idx(args.masks)
    if masks.shape != test.shape:
        sys.exit(f"{args.masks}: {masks.shape[0]} masks of {masks.shape[1]} pixels for {test.shape[0]} test images of {test.shape[1]}")
    if max(ks) > len(train):
        sys.exit(f"--k: at most {len(train)} neighbours")
    observed = (masks != 0).astype(np.float32)
    hidden = 1 - observed
    fills = {k: np.empty_like(test) for k in ks}
    train_squares = train * train
    kmax = max(ks)
    for start in range(0, len(test), args.chunk):
        x, o = test[start:start + args.chunk], observed[start:start + args.chunk]
        # Squared distance over each test image's own observed pixels, dropping the
        # test image's constant term: sum_o t^2 - 2 sum_o x t.
        distance = o @ train_squares.T - 2 * (x * o) @ train.T
        nearest = np.argpartition(distance, kmax - 1, axis=1)[:, :kmax]
        order = np.take_along_axis(distance, nearest, 1).argsort(1)
        nearest = np.take_along_axis(nearest, order, 1)
        for k in ks:
            mean = train[nearest[:, :k]].mean(1)
            fills[k][start:start + len(x)] = o * x + (1 - o) * mean
    print(f"hole fill from the K nearest training images, {args.masks}:")
    for k in ks:
        mse, psnr, images, exact = scores(fills[k], test, hidden)
        print(f"  K = {k:4d}: MSE {mse:.5f}  PSNR {psnr:.2f} dB  ({images} images with a hole, {exact} filled exactly: 100 dB each)")


if __name__ == "__main__":
    main()

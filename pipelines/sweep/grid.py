"""The sweep's grid file: reading it, checking it, and expanding it into runs.

The Snakefile beside this file imports it to know which runs to make, and
pipelines/sweep.sh runs it first (`python3 grid.py check FILE`) so that a bad
grid stops with one line on stderr before the engine starts. The format is in
docs/SWEEPS.md; pipelines/sweep/grid.yaml is an example.

A grid point is (dataset, kind, arch, corruption, level, latent, beta, seed).
Its run name carries every one of them, so two points never share a folder:
    mnist-vae-gaussian-0.5-z20-b1-s1
    mnist-cvae-conv-none-z2-b2-s3          (arch only when it is not mlp)
    mnist-inpaint-half-z20-b1-s1           (no level for none, half, mixed)
    mnist-vae-none-z2-b1-s1-quick          (a grid with `tag: quick`)
The budget (epochs, ...) is not in the names: a grid with another budget
for the same points takes a tag, and then has its own runs and judge.
"""

import itertools
import os
import re
import sys

import yaml

BUILT_IN = ("mnist", "fashion-mnist", "kmnist")
KINDS = ("vae", "cvae", "inpaint")
ARCHS = ("mlp", "conv")
# vae-corrupt's kinds and the range of --level for each (vae-corrupt --help);
# None: the kind takes no level. "none" trains on clean images.
LEVELS = {
    "gaussian": (0.0, 2.0, float),
    "salt-pepper": (0.0, 1.0, float),
    "zero": (0.0, 1.0, float),
    "square": (1, None, int),  # up to the image's side, which vae-corrupt checks
    "rectangles": (1, 64, int),
    "band": (0.0, 1.0, float),
    "half": None,
    "mixed": None,
    "none": None,
}
# An inpainting model is scored inside the hole, so its test images need one.
OCCLUSIONS = ("square", "rectangles", "half", "band", "zero")
GRID_KEYS = ("dataset", "kind", "arch", "corruption", "level", "latent", "beta", "seed")
REQUIRED = ("dataset", "kind", "corruption")
DEFAULTS = {"arch": ["mlp"], "level": ["default"], "latent": [20], "beta": [1], "seed": [1]}
BUDGET_KEYS = ("epochs", "limit", "hidden", "batch", "judge_epochs", "judge_samples")
TOP_KEYS = ("grid", "budget", "sources", "tag")
SOURCE_KEYS = ("mirror", "checksums")
# The four IDX files every data folder holds.
IDX_FILES = ("train-images.idx", "train-labels.idx", "test-images.idx", "test-labels.idx")
# What vae-fetch writes (MNIST's names, for all three built-in data sets).
GZ_FILES = (
    "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
)
# The test set's corruption draws from its own stream, as in pipelines/denoise.sh.
TEST_SEED_OFFSET = 1000


class GridError(Exception):
    """A grid file that cannot be run; the message is one line."""


def number(value):
    """A number as it appears in run names and on command lines: 0.5, 2, 1e-05."""
    return format(value, "g") if isinstance(value, float) else str(value)


class Dataset:
    """Where a data set's IDX files are, and how they get there."""

    def __init__(self, name, folder, built_in, mirror=None, checksums=None):
        self.name = name
        self.folder = folder
        self.built_in = built_in
        self.mirror = mirror
        self.checksums = checksums

    def files(self):
        return [os.path.join(self.folder, f) for f in IDX_FILES]

    def fetch_args(self):
        args = []
        if self.mirror:
            args += ["--mirror", self.mirror]
        if self.checksums:
            args += ["--checksums", self.checksums]
        return args


class Corruption:
    """One vae-corrupt output folder: artifacts/corrupt/<name>."""

    def __init__(self, name, dataset, split, kind, level, seed):
        self.name = name
        self.dataset = dataset
        self.images = os.path.join(dataset.folder, split + "-images.idx")
        self.kind = kind
        self.level = level
        self.seed = seed

    def folder(self):
        return "artifacts/corrupt/" + self.name

    def args(self):
        args = ["--kind", self.kind]
        if self.level not in (None, "default"):
            args += ["--level", number(self.level)]
        return args + ["--seed", str(self.seed)]


class Run:
    """One grid point: a run folder artifacts/runs/<name> and its render artifacts/render/<name>."""

    def __init__(self, point, dataset, budget, tag=None):
        self.point = point
        self.dataset = dataset
        self.budget = budget
        p = point
        parts = [dataset.name, p["kind"]]
        if p["arch"] != "mlp":
            parts.append(p["arch"])
        parts.append(p["corruption"])
        if p["level"] is not None:
            parts.append(number(p["level"]))
        parts += ["z" + str(p["latent"]), "b" + number(p["beta"]), "s" + str(p["seed"])]
        if tag:
            parts.append(tag)
        self.name = "-".join(parts)
        self.corrupt_train = None
        self.corrupt_test = None

    def folder(self):
        return "artifacts/runs/" + self.name

    def train_inputs(self):
        files = self.dataset.files()
        if self.corrupt_train:
            files.append(self.corrupt_train.folder() + "/images.idx")
        if self.corrupt_test:
            files.append(self.corrupt_test.folder() + "/images.idx")
        return files

    def train_args(self):
        """vae-train's options but --threads, which the rule adds on a fresh start only: a
        resumed run keeps its checkpoint's count (another would not continue it bitwise)."""
        p, b = self.point, self.budget
        args = ["--model", p["kind"], "--data", self.dataset.folder, "--arch", p["arch"],
                "--latent", str(p["latent"]), "--beta", number(p["beta"]), "--seed", str(p["seed"]),
                "--epochs", str(b["epochs"])]
        if p["kind"] != "inpaint" and self.corrupt_train:
            args += ["--input", self.corrupt_train.folder() + "/images.idx",
                     "--test-input", self.corrupt_test.folder() + "/images.idx"]
        if b.get("hidden") is not None and p["arch"] == "mlp":
            args += ["--hidden", str(b["hidden"])]
        for key in ("limit", "batch"):
            if b.get(key) is not None:
                args += ["--" + key, str(b[key])]
        return args

    def test_input_args(self):
        return ["--test-input", self.corrupt_test.folder() + "/images.idx"] if self.corrupt_test else []

    def eval_args(self):
        args = ["--data", self.dataset.folder] + self.test_input_args()
        if self.point["kind"] == "cvae" and self.budget.get("judge_samples") is not None:
            args += ["--judge-samples", str(self.budget["judge_samples"])]
        return args


class Sweep:
    """Every run of a grid file, and the data sets and corruptions they need."""

    def __init__(self, datasets, runs, corruptions, budget, tag=None):
        self.datasets = datasets        # name -> Dataset
        self.runs = runs                # name -> Run, in grid order
        self.corruptions = corruptions  # name -> Corruption
        self.budget = budget
        self.tag = tag

    def judge_name(self, dataset_name):
        """One judge per data set; a tagged grid (its own budget) has its own."""
        return "-".join([dataset_name] + ([self.tag] if self.tag else []))

    def judge(self, dataset_name):
        return "artifacts/judge/%s.safetensors" % self.judge_name(dataset_name)


def _list(block, key, where):
    value = block.get(key, DEFAULTS.get(key))
    if value is None:
        raise GridError("%s: missing key '%s' (a list of values)" % (where, key))
    values = value if isinstance(value, list) else [value]
    if not values:
        raise GridError("%s: '%s' is an empty list" % (where, key))
    return values


def _integer(value, key, where, low):
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise GridError("%s: %s must be a whole number >= %d, got %r" % (where, key, low, value))
    return value


def _positive(value, key, where):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise GridError("%s: %s must be a number > 0, got %r" % (where, key, value))
    return float(value) if isinstance(value, float) and not value.is_integer() else value


def _level(corruption, value, where):
    """The level of a point: None for kinds without one, 'default' for the kind's own."""
    bounds = LEVELS[corruption]
    if bounds is None:
        return None  # none, half, mixed: any level listed is ignored for them
    if value == "default":
        return "default"
    low, high, kind = bounds
    ok = not isinstance(value, bool) and isinstance(value, (int, float))
    if ok and kind is int:
        ok = float(value).is_integer()
    if not ok or value < low or (high is not None and value > high):
        what = "a whole number" if kind is int else "a number"
        span = "%s...%s" % (number(low), number(high)) if high is not None else ">= %s" % number(low)
        raise GridError("%s: level %r is not valid for %s (%s %s, or default)"
                        % (where, value, corruption, what, ("in " + span) if high is not None else span))
    return int(value) if kind is int else float(value)


def _dataset(value, where, sources, mnist_mirror, datasets):
    if not isinstance(value, str) or not value:
        raise GridError("%s: dataset must be a name or a folder, got %r" % (where, value))
    if value in BUILT_IN:
        name = value
        source = sources.get(name, {})
        mirror = source.get("mirror") or (mnist_mirror if name == "mnist" else None)
        found = Dataset(name, "artifacts/data/" + name, True, mirror, source.get("checksums"))
    elif "/" in value or os.path.isdir(value):
        folder = os.path.normpath(value)
        name = os.path.basename(folder)
        if not re.fullmatch(r"[A-Za-z0-9._-]+", name) or name in BUILT_IN:
            raise GridError("%s: data folder %s: its name %r must be letters, digits, '.', '_' or '-' and not %s"
                            % (where, value, name, ", ".join(BUILT_IN)))
        missing = [f for f in IDX_FILES if not os.path.isfile(os.path.join(folder, f))]
        if missing:
            raise GridError("%s: data folder %s lacks %s" % (where, value, ", ".join(missing)))
        found = Dataset(name, folder, False)
    else:
        raise GridError("%s: unknown dataset %r (known: %s, or a folder holding %s)"
                        % (where, value, ", ".join(BUILT_IN), ", ".join(IDX_FILES)))
    known = datasets.get(found.name)
    if known and known.folder != found.folder:
        raise GridError("%s: two data sets are named %s (%s and %s); rename one folder"
                        % (where, found.name, known.folder, found.folder))
    datasets[found.name] = found
    return found


def _mapping(value, where):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise GridError("%s must be a mapping of keys to values" % where)
    return value


def load(path, mnist_mirror=None):
    """Reads and checks the grid file at `path`; raises GridError with one line."""
    try:
        with open(path, encoding="utf-8") as f:
            document = yaml.safe_load(f)
    except OSError as e:
        raise GridError("%s: cannot read the grid file (%s)" % (path, e.strerror))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = " at line %d" % (mark.line + 1) if mark else ""
        raise GridError("%s: not valid YAML%s (%s)" % (path, at, getattr(e, "problem", None) or e))
    document = _mapping(document, path)
    for key in document:
        if key not in TOP_KEYS:
            raise GridError("%s: unknown key '%s' (known: %s)" % (path, key, ", ".join(TOP_KEYS)))

    tag = document.get("tag")
    if tag is not None and not (isinstance(tag, str) and re.fullmatch(r"[A-Za-z0-9_]+", tag)):
        raise GridError("%s: tag must be letters, digits or '_', got %r" % (path, tag))

    budget = dict(_mapping(document.get("budget"), path + ": budget"))
    for key in budget:
        if key not in BUDGET_KEYS:
            raise GridError("%s: unknown budget key '%s' (known: %s)" % (path, key, ", ".join(BUDGET_KEYS)))
    budget.setdefault("epochs", 10)
    for key, low in (("epochs", 1), ("limit", 1), ("batch", 1), ("judge_epochs", 1), ("judge_samples", 1)):
        if budget.get(key) is not None:
            _integer(budget[key], "budget " + key, path, low)
    if budget.get("hidden") is not None:
        hidden = str(budget["hidden"])
        if not re.fullmatch(r"[1-9][0-9]*(,[1-9][0-9]*)*", hidden):
            raise GridError("%s: budget hidden must be layer sizes like 400 or 512,256, got %r" % (path, hidden))
        budget["hidden"] = hidden

    sources = _mapping(document.get("sources"), path + ": sources")
    for name, source in sources.items():
        if name not in BUILT_IN:
            raise GridError("%s: sources: unknown dataset '%s' (known: %s)" % (path, name, ", ".join(BUILT_IN)))
        for key in _mapping(source, "%s: sources: %s" % (path, name)):
            if key not in SOURCE_KEYS:
                raise GridError("%s: sources: %s: unknown key '%s' (known: %s)"
                                % (path, name, key, ", ".join(SOURCE_KEYS)))

    blocks = document.get("grid")
    if blocks is None:
        raise GridError("%s: missing key 'grid' (a mapping of lists, or a list of them)" % path)
    if isinstance(blocks, dict):
        blocks = [blocks]
    if not isinstance(blocks, list) or not blocks:
        raise GridError("%s: 'grid' must be a mapping of lists, or a list of them" % path)

    datasets, runs, corruptions = {}, {}, {}
    for number_, block in enumerate(blocks, 1):
        where = "%s: grid %d" % (path, number_) if len(blocks) > 1 else "%s: grid" % path
        block = _mapping(block, where)
        for key in block:
            if key not in GRID_KEYS:
                raise GridError("%s: unknown key '%s' (known: %s)" % (where, key, ", ".join(GRID_KEYS)))
        for key in REQUIRED:
            if key not in block:
                raise GridError("%s: missing key '%s'" % (where, key))
        values = {key: _list(block, key, where) for key in GRID_KEYS}
        for combination in itertools.product(*(values[k] for k in GRID_KEYS)):
            p = dict(zip(GRID_KEYS, combination))
            if p["kind"] not in KINDS:
                raise GridError("%s: unknown kind %r (known: %s)" % (where, p["kind"], ", ".join(KINDS)))
            if p["arch"] not in ARCHS:
                raise GridError("%s: unknown arch %r (known: %s)" % (where, p["arch"], ", ".join(ARCHS)))
            if p["corruption"] not in LEVELS:
                raise GridError("%s: unknown corruption %r (known: %s)" % (where, p["corruption"], ", ".join(LEVELS)))
            if p["kind"] == "inpaint" and p["corruption"] not in OCCLUSIONS:
                raise GridError("%s: kind inpaint is scored inside a hole, so its corruption must be one of %s, got %r"
                                % (where, ", ".join(OCCLUSIONS), p["corruption"]))
            p["level"] = _level(p["corruption"], p["level"], where)
            p["latent"] = _integer(p["latent"], "latent", where, 1)
            p["beta"] = _positive(p["beta"], "beta", where)
            p["seed"] = _integer(p["seed"], "seed", where, 0)
            dataset = _dataset(p["dataset"], where, sources, mnist_mirror, datasets)
            run = Run(p, dataset, budget, tag)
            if run.name in runs:
                continue  # the same point twice (e.g. a level listed for a kind without one)
            if p["corruption"] != "none":
                stem = "-".join([dataset.name, p["corruption"]]
                                + ([number(p["level"])] if p["level"] is not None else []) + ["s" + str(p["seed"])])
                for split, seed in (("train", p["seed"]), ("test", p["seed"] + TEST_SEED_OFFSET)):
                    name = stem + "-" + split
                    corruptions.setdefault(name, Corruption(name, dataset, split, p["corruption"], p["level"], seed))
                # The inpainting model draws its own training occlusions: only its test set is corrupted.
                if p["kind"] != "inpaint":
                    run.corrupt_train = corruptions[stem + "-train"]
                run.corrupt_test = corruptions[stem + "-test"]
            runs[run.name] = run
    used = {c.name for r in runs.values() for c in (r.corrupt_train, r.corrupt_test) if c}
    corruptions = {k: v for k, v in corruptions.items() if k in used}
    return Sweep(datasets, runs, corruptions, budget, tag)


def main(arguments):
    """`grid.py check FILE [MNIST_MIRROR]`: prints the runs, or one line on stderr and exit 2."""
    if len(arguments) not in (2, 3) or arguments[0] != "check":
        print("usage: grid.py check FILE [MNIST_MIRROR]", file=sys.stderr)
        return 64
    try:
        sweep = load(arguments[1], arguments[2] if len(arguments) == 3 else None)
    except GridError as e:
        print("sweep: %s" % e, file=sys.stderr)
        return 2
    print("sweep: %d runs from %s" % (len(sweep.runs), arguments[1]))
    for name in sweep.runs:
        print("  " + name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

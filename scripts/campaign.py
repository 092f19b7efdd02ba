#!/usr/bin/env python3
"""Malformed-input campaign: mutates real files and command lines, runs the stage
executables on each, and checks the failure contract.

    scripts/campaign.py --bin .build/debug --seeds .build/fuzz-seeds/real --count 2000

Formats and the stage that reads each:
  gz           vae-decompress on a raw folder whose one .gz file is mutated
  idx          vae-corrupt --images on a mutated images IDX
  safetensors  vae-checkpoint verify on a mutated checkpoint
  json         vae-checkpoint verify on a checkpoint whose metadata config (config.json's
               text) is mutated, and vae-eval --levels on a run with a mutated spec.json
  cli          every stage on mutated command lines

Each input is classified by an independent oracle written here from docs/FORMATS.md
(python's gzip, json and struct): "invalid" inputs must be refused, "valid" ones may be
accepted. For checkpoints the oracle checks the container (header, offsets, CRC) and
that the tensors and metadata equal the original's; a container-valid file whose config
changed meaning is "semantic" and only checked for crashes (judging it is the checkpoint
validator's job). Every run must end without a crash: no signal, no Swift runtime trap
or backtrace, and on failure exactly one "Error: ..." line on stderr (usage errors, exit
64, may add ArgumentParser's usage text).

Prints one line per format with the counts and exits 1 if any crash or accepted-invalid
input was found; the failing inputs are kept under --keep (default .build/campaign-failures).
"""
import argparse
import concurrent.futures
import gzip
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

CRASH_MARKS = ("Fatal error", "Swift runtime failure", "Current stack trace", "Backtrace", "💣", "Program crashed",
               "Illegal instruction", "Segmentation fault", "AddressSanitizer")


# ---------------------------------------------------------------- mutations

def mutate_bytes(data, rng, protect=0):
    """One of several byte-level mutations of `data`, leaving the first `protect` bytes alone."""
    data = bytearray(data)
    kind = rng.randrange(9)
    lo = min(protect, len(data))
    pos = lambda: rng.randrange(lo, max(lo + 1, len(data)))
    if kind == 0 and data:  # flip bits
        for _ in range(rng.randint(1, 4)):
            p = pos()
            if p < len(data):
                data[p] ^= 1 << rng.randrange(8)
    elif kind == 1 and data:  # random bytes
        for _ in range(rng.randint(1, 8)):
            p = pos()
            if p < len(data):
                data[p] = rng.randrange(256)
    elif kind == 2:  # truncate
        data = data[:rng.randrange(0, max(1, len(data)))]
    elif kind == 3:  # append
        data += bytes(rng.randrange(256) for _ in range(rng.choice([1, 7, 100, 5000])))
    elif kind == 4:  # delete a run
        p = pos()
        del data[p:p + rng.randint(1, 64)]
    elif kind == 5:  # insert a run
        p = pos()
        data[p:p] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    elif kind == 6:  # interesting integers
        p = pos()
        value = rng.choice([0, 1, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 2 ** 63 - 1, 2 ** 64 - 1])
        width = rng.choice([1, 2, 4, 8])
        order = rng.choice(["<", ">"])
        fmt = {1: "B", 2: "H", 4: "I", 8: "Q"}[width]
        data[p:p + width] = struct.pack(order + fmt, value & ((1 << (8 * width)) - 1))
    elif kind == 7:  # duplicate a block
        p = pos()
        data[p:p] = data[p:p + rng.randint(1, 256)]
    else:  # empty or tiny
        data = data[:rng.choice([0, 1, 3, 4, 7, 8, 15, 16])]
    return bytes(data)


TEXT_SNIPPETS = ['"', "\\", "\\u0000", "\\ud800", "{", "}", "[", "]", ",", ":", "-1", "0", "1e999", "-0", "1.5",
                 "99999999999999999999", "null", "true", "NaN", "Infinity", "\x00", "\x01", "é", "\ufffd", " ",
                 "9223372036854775807", "-9223372036854775808", "4611686018427387904", '""', "[]", "{}"]


def mutate_json_text(text, rng):
    """A JSON-aware or plain text mutation of `text`."""
    kind = rng.randrange(5)
    if kind <= 1:
        try:
            obj = json.loads(text)
            _mutate_value(obj, rng)
            return json.dumps(obj, separators=rng.choice([(",", ":"), (", ", ": ")]), allow_nan=True)
        except Exception:
            pass
    if kind == 2:
        p = rng.randrange(len(text) + 1)
        return text[:p] + rng.choice(TEXT_SNIPPETS) + text[p:]
    if kind == 3:
        p = rng.randrange(len(text) + 1)
        return text[:p] + text[p + rng.randint(1, 12):]
    return mutate_bytes(text.encode(), rng).decode("utf-8", "replace")


INTERESTING = [0, -1, 1, -5, 2 ** 31, 2 ** 62, 2 ** 63 - 1, -(2 ** 63), 10 ** 12, 1.5, -0.0, 1e308, "x", "", None, True,
               [], {}, [0], [1, 2, 3], [2 ** 40, 2 ** 40], [400, 0, 400], [-3]]


def _mutate_value(obj, rng, depth=0):
    if isinstance(obj, dict) and obj:
        key = rng.choice(list(obj))
        action = rng.randrange(4)
        if action == 0 or depth > 3:
            obj[key] = rng.choice(INTERESTING)
        elif action == 1:
            del obj[key]
        elif action == 2:
            obj[key + rng.choice(["", "x"])] = rng.choice(INTERESTING)
        else:
            _mutate_value(obj[key], rng, depth + 1)
        return
    if isinstance(obj, list) and obj:
        i = rng.randrange(len(obj))
        obj[i] = rng.choice(INTERESTING)


# ---------------------------------------------------------------- oracles

def idx_parse(data):
    """(type, shape, payload) of a well-formed IDX byte string, else None (docs/FORMATS.md, IDX)."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in (8, 9, 0x0B, 0x0C, 0x0D, 0x0E):
        return None
    rank = data[3]
    if len(data) < 4 + 4 * rank:
        return None
    shape = list(struct.unpack(">%dI" % rank, data[4:4 + 4 * rank]))
    count = 1
    for d in shape:
        if d:
            count *= d
    if count > 10 ** 8:
        return None
    n = 1
    for d in shape:
        n *= d
    size = {8: 1, 9: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}[data[2]]
    if len(data) != 4 + 4 * rank + n * size:
        return None
    return data[2], shape, data[4 + 4 * rank:]


def idx_images_valid(data):
    parsed = idx_parse(data)
    return parsed is not None and parsed[0] == 8 and len(parsed[1]) == 3 and parsed[1][1:] == [28, 28]


def gunzip_members(data):
    """Decompressed bytes of one or more concatenated gzip members with nothing after them, else None."""
    out = b""
    rest = data
    if not rest:
        return None
    while rest:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out += d.decompress(rest)
        except zlib.error:
            return None
        if not d.eof:
            return None
        rest = d.unused_data
    return out


def split_valid(images_gz, labels_gz):
    images, labels = gunzip_members(images_gz), gunzip_members(labels_gz)
    if images is None or labels is None or not idx_images_valid(images):
        return False
    parsed = idx_parse(labels)
    if parsed is None or parsed[0] != 8 or len(parsed[1]) != 1:
        return False
    return parsed[1][0] == idx_parse(images)[1][0] and all(b <= 9 for b in parsed[2])


DTYPES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
          "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8}


def _pairs_no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key")
    return dict(pairs)


def _strict_json(text):
    def bad_constant(name):
        raise ValueError(name)
    return json.loads(text, object_pairs_hook=_pairs_no_duplicates, parse_constant=bad_constant)


def _same_json(a, b):
    """Equal as JSON: python's == takes true for 1 and 1.0 for 1, JSON readers do not."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool) and -(2 ** 63) <= v < 2 ** 63


def safetensors_container(data):
    """(tensors, metadata) of a container-valid file (docs/FORMATS.md, Checkpoints), else None."""
    if len(data) < 8:
        return None
    n = struct.unpack("<Q", data[:8])[0]
    if n > 100_000_000 or n > len(data) - 8:
        return None
    raw = data[8:8 + n]
    if not raw.startswith(b"{"):
        return None
    try:
        header = _strict_json(raw.decode("utf-8"))
    except Exception:
        return None
    if not isinstance(header, dict):
        return None
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()) or len(metadata) > 1000:
        return None
    if len(header) > 10_000:
        return None
    entries = []
    for name, entry in header.items():
        if not isinstance(entry, dict) or set(entry) - {"dtype", "shape", "data_offsets"}:
            return None
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if not isinstance(dtype, str) or dtype not in DTYPES or not isinstance(shape, list) \
                or not all(_is_int(d) and d >= 0 for d in shape):
            return None
        if not isinstance(offsets, list) or len(offsets) != 2 or not all(_is_int(o) for o in offsets):
            return None
        begin, end = offsets
        count = DTYPES[dtype]
        for d in shape:
            if d:
                count *= d
        if count >= 2 ** 63:  # the non-zero dimensions must fit, even in an empty tensor
            return None
        if 0 in shape:
            count = 0
        if not (0 <= begin <= end) or end - begin != count:
            return None
        entries.append((begin, end, name, dtype, shape))
    entries.sort()
    packed = 0
    for begin, end, *_ in entries:
        if begin != packed:
            return None
        packed = end
    body = data[8 + n:]
    if packed != len(body):
        return None
    crc = metadata.get("crc32")
    if crc is None or len(crc) != 8 or any(c not in "0123456789abcdef" for c in crc) or int(crc, 16) != zlib.crc32(body):
        return None
    tensors = {name: (dtype, shape, body[b:e]) for b, e, name, dtype, shape in entries}
    return tensors, metadata


def checkpoint_verdict(data, original):
    """'valid' (same content as the original), 'invalid' (container broken) or 'semantic'."""
    parsed = safetensors_container(data)
    if parsed is None:
        return "invalid"
    tensors, metadata = parsed
    if tensors != original[0]:
        return "semantic"
    if set(metadata) != set(original[1]):
        return "semantic"
    for key, value in metadata.items():
        if key == "config":
            try:
                if not _same_json(_strict_json(value), _strict_json(original[1][key])):
                    return "semantic"
            except Exception:
                return "invalid-config"
        elif value != original[1][key]:
            return "semantic"
    return "valid"


# ---------------------------------------------------------------- running

def run(argv, cwd, timeout=60):
    try:
        p = subprocess.run(argv, cwd=cwd, capture_output=True, timeout=timeout,
                           env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    except subprocess.TimeoutExpired:
        return None
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def contract(result):
    """'' when the run kept the contract, else why not."""
    if result is None:
        return "timeout"
    code, _, err = result
    if code < 0 or code >= 128:
        return "signal/exit %d" % code
    for mark in CRASH_MARKS:
        if mark in err:
            return "crash mark %r" % mark
    lines = [l for l in err.splitlines() if l.strip()]
    if code == 0:
        return ""
    if not lines or not lines[0].startswith("Error: "):
        return "stderr does not start with one 'Error: ...' line"
    if code != 64 and len(lines) != 1:
        return "%d lines on stderr" % len(lines)
    return ""


class Tally:
    def __init__(self, name):
        self.name = name
        self.counts = {}
        self.failures = []

    def add(self, key):
        self.counts[key] = self.counts.get(key, 0) + 1

    def line(self):
        c = self.counts
        return ("%-12s %5d inputs: %d refused, %d accepted (%d of them valid), semantic %d (%d accepted), "
                "rejected-valid %d, crashes %d, accepted-invalid %d") % (
            self.name, c.get("total", 0), c.get("refused", 0), c.get("accepted", 0), c.get("accepted-valid", 0),
            c.get("semantic", 0), c.get("semantic-accepted", 0), c.get("rejected-valid", 0), c.get("crash", 0),
            c.get("accepted-invalid", 0))


def judge(tally, verdict, result, keep, case_files, label):
    tally.add("total")
    why = contract(result)
    if why:
        tally.add("crash")
        tally.failures.append((label, why, keep_case(keep, tally.name, label, case_files, result)))
        return
    accepted = result[0] == 0
    tally.add("accepted" if accepted else "refused")
    if verdict == "semantic":
        tally.add("semantic")
        if accepted:
            tally.add("semantic-accepted")
    elif verdict == "valid":
        tally.add("accepted-valid" if accepted else "rejected-valid")
    elif accepted:
        tally.add("accepted-invalid")
        tally.failures.append((label, "accepted an invalid input", keep_case(keep, tally.name, label, case_files, result)))


def keep_case(keep, fmt, label, files, result):
    folder = os.path.join(keep, fmt, label)
    os.makedirs(folder, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
    if result is not None:
        with open(os.path.join(folder, "stderr.txt"), "w") as f:
            f.write(result[2])
    return folder


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="folder of the stage executables")
    ap.add_argument("--seeds", required=True, help="the 'real' folder scripts/fuzz-seeds.sh makes")
    ap.add_argument("--count", type=int, default=2000, help="inputs per format")
    ap.add_argument("--formats", default="gz,idx,safetensors,json,cli")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", default=".build/campaign-failures")
    args = ap.parse_args()
    bin_dir, seeds = os.path.abspath(args.bin), os.path.abspath(args.seeds)
    keep = os.path.abspath(args.keep)
    work = tempfile.mkdtemp(prefix="digitvae-campaign-")
    tallies = []
    try:
        for fmt in args.formats.split(","):
            tally = Tally(fmt)
            tallies.append(tally)
            cases = globals()["cases_" + fmt](args.count, random.Random("%d-%s" % (args.seed, fmt)), seeds, bin_dir)
            with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
                futures = [pool.submit(execute, case, i, work) for i, case in enumerate(cases)]
                for i, future in enumerate(futures):
                    verdict, result, files = future.result()
                    judge(tally, verdict, result, keep, files, "%s-%05d" % (fmt, i))
            print(tally.line(), flush=True)
            for label, why, folder in tally.failures[:20]:
                print("  %s: %s (kept in %s)" % (label, why, folder), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    bad = sum(t.counts.get("crash", 0) + t.counts.get("accepted-invalid", 0) for t in tallies)
    total = sum(t.counts.get("total", 0) for t in tallies)
    print("campaign: %d inputs, %d crashes or accepted-invalid" % (total, bad))
    return 1 if bad else 0


def execute(case, index, work):
    """Writes a case's files into a fresh folder, runs its command there, cleans up."""
    folder = os.path.join(work, "case-%05d" % index)
    os.makedirs(folder)
    try:
        for name, data in case["files"].items():
            path = os.path.join(folder, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        for name, source in case.get("links", {}).items():
            path = os.path.join(folder, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            os.symlink(source, path)
        result = run(case["argv"], folder, case.get("timeout", 60))
        return case["verdict"], result, case["files"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------- cases per format

def read(path):
    with open(path, "rb") as f:
        return f.read()


def cases_gz(count, rng, seeds, bin_dir):
    small = os.path.join(seeds, "small")
    originals = {
        "raw/train-images-idx3-ubyte.gz": gzip.compress(read(os.path.join(small, "train-images.idx")), mtime=0),
        "raw/train-labels-idx1-ubyte.gz": gzip.compress(read(os.path.join(small, "train-labels.idx")), mtime=0),
        "raw/t10k-images-idx3-ubyte.gz": gzip.compress(read(os.path.join(small, "images.idx")), mtime=0),
        "raw/t10k-labels-idx1-ubyte.gz": gzip.compress(read(os.path.join(small, "labels.idx")), mtime=0),
    }
    names = sorted(originals)
    for _ in range(count):
        files = dict(originals)
        target = rng.choice(names)
        if rng.random() < 0.3:
            # Mutate the IDX inside, then compress: valid gzip around bad (or good) IDX.
            inner = gzip.decompress(originals[target])
            files[target] = gzip.compress(mutate_bytes(inner, rng), mtime=0)
        else:
            files[target] = mutate_bytes(originals[target], rng)
        ok = all(split_valid(files["raw/%s-images-idx3-ubyte.gz" % s], files["raw/%s-labels-idx1-ubyte.gz" % s])
                 for s in ("train", "t10k"))
        yield {"files": files, "verdict": "valid" if ok else "invalid",
               "argv": [os.path.join(bin_dir, "vae-decompress"), "--raw", "raw", "--data", "data"]}


def cases_idx(count, rng, seeds, bin_dir):
    original = read(os.path.join(seeds, "small", "images.idx"))
    for _ in range(count):
        data = mutate_bytes(original, rng)
        yield {"files": {"images.idx": data}, "verdict": "valid" if idx_images_valid(data) else "invalid",
               "argv": [os.path.join(bin_dir, "vae-corrupt"), "--images", "images.idx", "--kind", "gaussian",
                        "--out", "out", "--threads", "1"]}


def checkpoint_seed(seeds):
    folder = os.path.join(seeds, "run", "checkpoints")
    path = os.path.join(folder, sorted(os.listdir(folder))[-1])
    return read(path)


def with_header(data, header_text):
    """`data` (a safetensors file) with its header replaced by `header_text`, padded to 8."""
    n = struct.unpack("<Q", data[:8])[0]
    raw = header_text.encode("utf-8", "surrogatepass")
    raw += b" " * ((8 - (8 + len(raw)) % 8) % 8)
    return struct.pack("<Q", len(raw)) + raw + data[8 + n:]


def cases_safetensors(count, rng, seeds, bin_dir):
    original = checkpoint_seed(seeds)
    reference = safetensors_container(original)
    n = struct.unpack("<Q", original[:8])[0]
    for _ in range(count):
        choice = rng.random()
        if choice < 0.4:
            data = mutate_bytes(original, rng)
        elif choice < 0.8:
            # Only the header: the CRC cannot help, the structure checks must.
            header = original[8:8 + n]
            data = struct.pack("<Q", n) + mutate_bytes(header, rng)[:n].ljust(n, b" ") + original[8 + n:]
            if rng.random() < 0.3:
                data = struct.pack("<Q", n) + mutate_bytes(header, rng) + original[8 + n:]
        else:
            header = original[8:8 + n].decode()
            data = with_header(original, mutate_json_text(header, rng))
        yield {"files": {"c.safetensors": data}, "verdict": checkpoint_verdict(data, reference),
               "argv": [os.path.join(bin_dir, "vae-checkpoint"), "verify", "c.safetensors"]}


class Ambiguous(Exception):
    """A value two JSON readers may take differently (2.0 for an integer, 1e999)."""


def _int_field(obj, key, default, required=False):
    if obj.get(key) is None:  # absent or null: the default (decodeIfPresent)
        if required:
            raise ValueError(key)
        return default
    v = obj[key]
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")) or v != int(v):
            raise ValueError(key)
        raise Ambiguous(key)
    if not _is_int(v):
        raise ValueError(key)
    return v


def _float_field(obj, key, default):
    if obj.get(key) is None:  # absent or null: the default (decodeIfPresent)
        return default
    v = obj[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(key)
    if isinstance(v, float) and v in (float("inf"), float("-inf")):
        raise Ambiguous(key)
    if abs(v) > 3.4e38:
        raise Ambiguous(key)  # out of Float's range: an error or inf, depending on the reader
    return float(v)


def _int_list(obj, key, default):
    if obj.get(key) is None:  # absent or null: the default (decodeIfPresent)
        return default
    v = obj[key]
    if not isinstance(v, list):
        raise ValueError(key)
    return [_int_field({"x": item}, "x", None, True) for item in v]


def _enum(obj, key, default, allowed):
    if obj.get(key) is None:  # absent or null: the default (decodeIfPresent)
        return default
    if obj[key] not in allowed:
        raise ValueError(key)
    return obj[key]


def config_verdict(text, original_config):
    """The oracle for a run config (docs/FORMATS.md, config.json) in a checkpoint of the
    seed run (an mlp): 'invalid' when the text is not a config, breaks a type or a model
    range, or describes another model than the checkpoint's tensors; 'semantic' when only
    a training setting is out of range (the checkpoint validator's job, issue 14 item 5)
    or two JSON readers may disagree; else 'valid'."""
    try:
        config = _strict_json(text)
    except Exception:
        return "invalid"
    if _same_json(config, original_config):
        return "valid"
    try:
        if not isinstance(config, dict) or config.get("format") != "digitvae.run/1":
            return "invalid"
        kind = _enum(config, "kind", None, ("vae", "cvae", "inpaint"))
        if kind is None or not isinstance(config.get("data"), str):
            return "invalid"
        for key in ("input", "testInput"):
            if config.get(key) is not None and not isinstance(config[key], str):
                return "invalid"
        if config.get("limit") is not None:
            _int_field(config, "limit", None)
        model, training = config.get("model"), config.get("training")
        if not isinstance(model, dict) or not isinstance(training, dict):
            return "invalid"
        m = {
            "inputSize": _int_field(model, "inputSize", 784), "hidden": _int_list(model, "hidden", [400]),
            "latent": _int_field(model, "latent", 20), "condition": _int_field(model, "condition", 0),
            "arch": _enum(model, "arch", "mlp", ("mlp", "conv")), "channels": _int_list(model, "channels", [8, 32]),
        }
        _enum(model, "activation", "relu", ("relu", "leakyRelu", "elu", "tanh"))
        _enum(model, "initialization", "fanInUniform", ("fanInUniform", "heXavier"))
        dropout = _float_field(model, "dropout", 0.0)
        t = {k: _int_field(training, k, d) for k, d in (("batchSize", 128), ("epochs", 10), ("threads", 1))}
        seed = 1 if training.get("seed") is None else training["seed"]
        if isinstance(seed, float):
            raise Ambiguous("seed")
        if not (isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed < 2 ** 64):
            return "invalid"
        floats = {k: _float_field(training, k, d) for k, d in (
            ("learningRate", 1e-3), ("beta", 1.0), ("klWarmupEpochs", 0.0), ("adamBeta1", 0.9), ("adamBeta2", 0.999),
            ("adamEpsilon", 1e-8))}
    except Ambiguous:
        return "semantic"
    except ValueError:
        return "invalid"
    width = {"vae": 0, "cvae": 10, "inpaint": 2 * m["inputSize"]}[kind]
    if m["condition"] != width or not (0 <= dropout < 1):
        return "invalid"
    o = original_config["model"]
    # The checkpoint's tensors are those of the seed model: any other shape is refused.
    if (m["inputSize"], m["hidden"], m["latent"], m["condition"], m["arch"]) != (
            o["inputSize"], o["hidden"], o["latent"], o["condition"], o["arch"]):
        return "invalid"
    if not (1 <= t["batchSize"] <= 65536 and t["epochs"] >= 0 and 1 <= t["threads"] <= 256
            and floats["learningRate"] > 0 and floats["beta"] >= 0 and floats["klWarmupEpochs"] >= 0
            and 0 <= floats["adamBeta1"] < 1 and 0 <= floats["adamBeta2"] < 1 and floats["adamEpsilon"] > 0):
        return "semantic"
    return "valid"


def cases_json(count, rng, seeds, bin_dir):
    original = checkpoint_seed(seeds)
    reference = safetensors_container(original)
    n = struct.unpack("<Q", original[:8])[0]
    header = json.loads(original[8:8 + n])
    config_text = header["__metadata__"]["config"]
    original_config = json.loads(config_text)
    spec_path = os.path.join(seeds, "corrupt-rectangles", "spec.json")
    spec_text = read(spec_path).decode()
    run_folder = os.path.join(seeds, "run")
    small = os.path.join(seeds, "small-data")
    for i in range(count):
        if i % 4 != 3:
            mutated = mutate_json_text(config_text, rng)
            header["__metadata__"]["config"] = mutated
            data = with_header(original, json.dumps(header, separators=(",", ":")))
            verdict = config_verdict(mutated, original_config)
            yield {"files": {"c.safetensors": data}, "verdict": verdict,
                   "argv": [os.path.join(bin_dir, "vae-checkpoint"), "verify", "c.safetensors"]}
        else:
            # spec.json beside the corrupted test input decides the kind of a level sweep.
            mutated = mutate_json_text(spec_text, rng).encode("utf-8", "surrogatepass")
            files = {"corrupt/spec.json": mutated,
                     "corrupt/images.idx": read(os.path.join(seeds, "corrupt-rectangles", "images.idx"))}
            yield {"files": files, "verdict": "semantic", "timeout": 120,
                   "argv": [os.path.join(bin_dir, "vae-eval"), "--run", run_folder, "--data", small,
                            "--test-input", "corrupt/images.idx", "--levels", "2", "--out", "metrics.json",
                            "--threads", "1"]}


CLI_VALUES = ["", "0", "-1", "-0", "1e309", "nan", "inf", "1.5", "99999999999999999999", "9223372036854775807",
              "-9223372036854775808", "400,,400", ",", "1,2,3,4,5,6,7,8,9", "é", "\u00ff" * 3, "/dev/null", "/",
              "/nonexistent/x", "..", "a" * 5000, "--help", "-", "none", "0x10", " 1", "1 ", "1000000000",
              "65537", "257", "100001"]


def cases_cli(count, rng, seeds, bin_dir):
    small = os.path.join(seeds, "small-data")
    run_folder = os.path.join(seeds, "run")
    ckpt_folder = os.path.join(run_folder, "checkpoints")
    ckpt = os.path.join(ckpt_folder, sorted(os.listdir(ckpt_folder))[-1])
    images = os.path.join(small, "test-images.idx")
    # (stage, a valid command line that is quick on the tiny data, [(flag, invalid values)]).
    base = [
        ("vae-train", ["--data", small, "--run", "run", "--epochs", "1", "--hidden", "2", "--latent", "1",
                       "--limit", "64", "--batch", "32", "--threads", "1"],
         {"--epochs": ["-1", "x"], "--hidden": ["400,,400", "0", "8193", ",", ""], "--latent": ["0", "-1"],
          "--batch": ["0", "65537", "1000000"], "--threads": ["0", "257"], "--limit": ["0", "-1"],
          "--dropout": ["1", "-0.1", "nan"], "--channels": ["0", "1,2,3"], "--keep": ["0"], "--snapshot-images": ["101", "-1"]}),
        ("vae-corrupt", ["--images", images, "--out", "out", "--kind", "gaussian", "--threads", "1"],
         {"--level": ["-1", "nan", "inf"], "--kind": ["x", ""], "--threads": ["0", "257"], "--images": ["/dev/null", "/", "/nonexistent/x"]}),
        ("vae-eval", ["--run", run_folder, "--data", small, "--out", "m.json", "--threads", "1"],
         {"--iw-samples": ["0", "-3", "100001", "1000000000"], "--threads": ["0", "257"], "--levels": ["", ",", "nan", "1,1"],
          "--judge-samples": ["5"], "--checkpoint": ["/dev/null", "/"]}),
        ("vae-checkpoint", ["verify", ckpt], {}),
        ("vae-checkpoint", ["info", ckpt], {}),
        ("vae-bench", ["--data", small, "--steps", "1", "--rounds", "1", "--batch", "8", "--threads", "1", "--models", "bench"],
         {"--batch": ["0", "65537", "1000000"], "--threads": ["0", "257", ""], "--steps": ["0"], "--rounds": ["0"],
          "--models": ["x"], "--channels": ["4,8"]}),
        ("vae-decompress", ["--raw", os.path.join(seeds, "raw"), "--data", "data"], {"--dataset": ["x", ""], "--raw": ["/dev/null"]}),
        ("vae-render", ["--run", run_folder, "--data", small, "--out", "render"], {}),
        ("vae-classify", ["--help"], {}),
        ("vae-fetch", ["--help"], {}),
    ]
    for _ in range(count):
        stage, argv, invalid = rng.choice(base)
        argv = list(argv)
        verdict = "semantic"
        action = rng.randrange(6)
        if action <= 1 and invalid:
            flag = rng.choice(sorted(invalid))
            value = rng.choice(invalid[flag])
            if flag in argv:
                argv[argv.index(flag) + 1] = value
            else:
                argv += [flag, value]
            verdict = "invalid"
        elif action == 2 and argv:
            i = rng.randrange(len(argv))
            argv[i] = rng.choice(CLI_VALUES)
        elif action == 3 and argv:
            del argv[rng.randrange(len(argv))]
        elif action == 4:
            argv.insert(rng.randrange(len(argv) + 1), rng.choice(["--" + rng.choice(["x", "run", "data", "seed", "out"]), "-h"] + CLI_VALUES))
        else:
            argv += [rng.choice(["--seed", "--threads", "--out", "--data"]), rng.choice(CLI_VALUES)]
        yield {"files": {}, "verdict": verdict, "timeout": 120, "argv": [os.path.join(bin_dir, stage)] + argv}


if __name__ == "__main__":
    sys.exit(main())

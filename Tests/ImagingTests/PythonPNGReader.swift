import Foundation
import TestSupport

/// An independent PNG/APNG reader: a python3 script using only `zlib` and
/// `struct` (plus Pillow, when importable, as a second opinion). It checks the
/// signature, every chunk's CRC, IHDR, chunk order and APNG sequence numbers,
/// undoes the row filters itself and writes each decoded frame to a file, so
/// the Swift tests compare every pixel with the image they encoded.
enum PythonPNGReader {
  struct Header: Decodable {
    let width: Int
    let height: Int
    let depth: Int
    let colourType: Int
    let compression: Int
    let filter: Int
    let interlace: Int
  }

  struct FrameControl: Decodable {
    let sequence: Int
    let width: Int
    let height: Int
    let xOffset: Int
    let yOffset: Int
    let delayNum: Int
    let delayDen: Int
    let disposeOp: Int
    let blendOp: Int
  }

  struct AnimationControl: Decodable {
    let frames: Int
    let plays: Int
  }

  struct Frame: Decodable {
    let control: FrameControl
    let filters: [Int]
  }

  struct Pillow: Decodable {
    let available: Bool
    let frames: Int?
    let mode: String?
  }

  /// What the script found; `still` and `frameN` pixels are read from files.
  struct Report: Decodable {
    let header: Header
    let chunks: [String]
    let animation: AnimationControl?
    let sequence: [Int]
    let stillFilters: [Int]
    let frames: [Frame]
    let pillow: Pillow
  }

  struct Decoded {
    let report: Report
    /// The default image's pixels (IDAT), row-major, no filter bytes.
    let still: [UInt8]
    /// Each APNG frame's pixels, in order (empty for a still PNG).
    let frames: [[UInt8]]
    /// Pillow's reading of each frame, when Pillow is importable.
    let pillowFrames: [[UInt8]]
  }

  struct Failure: Error, CustomStringConvertible {
    let status: Int32
    let stderr: String
    var description: String { "python3 PNG reader exited with \(status): \(stderr)" }
  }

  /// Runs the reader on `png`, using `folder` for the script and its output.
  static func read(_ png: [UInt8], in folder: TemporaryFolder, name: String = "image") throws -> Decoded {
    let script = folder.file("pngread.py")
    if !FileManager.default.fileExists(atPath: script) {
      try Data(source.utf8).write(to: URL(fileURLWithPath: script))
    }
    let path = folder.file(name + ".png")
    try Data(png).write(to: URL(fileURLWithPath: path))
    let output = folder.file(name + "-decoded")
    try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)

    // Output goes to files, not pipes: Foundation's pipe reading traps on
    // EINTR, which other tests' child processes can cause.
    let stdoutPath = output + "/stdout.json"
    let stderrPath = output + "/stderr.txt"
    FileManager.default.createFile(atPath: stdoutPath, contents: nil)
    FileManager.default.createFile(atPath: stderrPath, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script, path, output]
    process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
    process.standardError = FileHandle(forWritingAtPath: stderrPath)
    try process.run()
    process.waitUntilExit()
    let stdout = try Data(contentsOf: URL(fileURLWithPath: stdoutPath))
    guard process.terminationStatus == 0 else {
      let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
      throw Failure(status: process.terminationStatus, stderr: stderr)
    }
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    let report = try decoder.decode(Report.self, from: stdout)
    func load(_ file: String) throws -> [UInt8] {
      [UInt8](try Data(contentsOf: URL(fileURLWithPath: output + "/" + file)))
    }
    let frames = try (0..<report.frames.count).map { try load("frame\($0).raw") }
    let pillowFrames = try (0..<(report.pillow.frames ?? 0)).map { try load("pil\($0).raw") }
    return Decoded(report: report, still: try load("still.raw"), frames: frames, pillowFrames: pillowFrames)
  }

  static let source = #"""
    import json, os, struct, sys, zlib

    def fail(message):
        sys.stderr.write(message + "\n")
        sys.exit(1)

    def unfilter(raw, width, height, bpp):
        """Undo PNG filter method 0; returns (pixels, filter type of each row)."""
        stride = width * bpp
        if len(raw) != height * (stride + 1):
            fail("inflated data has %d bytes, expected %d" % (len(raw), height * (stride + 1)))
        out = bytearray()
        prev = bytearray(stride)
        filters = []
        for y in range(height):
            start = y * (stride + 1)
            kind = raw[start]
            line = raw[start + 1:start + 1 + stride]
            cur = bytearray(stride)
            for i in range(stride):
                a = cur[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                if kind == 0:
                    p = 0
                elif kind == 1:
                    p = a
                elif kind == 2:
                    p = b
                elif kind == 3:
                    p = (a + b) // 2
                elif kind == 4:
                    q = a + b - c
                    pa, pb, pc = abs(q - a), abs(q - b), abs(q - c)
                    p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                else:
                    fail("row %d has filter type %d" % (y, kind))
                cur[i] = (line[i] + p) & 0xFF
            out += cur
            prev = cur
            filters.append(kind)
        return bytes(out), filters

    def main():
        path, outdir = sys.argv[1], sys.argv[2]
        data = open(path, "rb").read()
        if data[:8] != b"\x89PNG\r\n\x1a\n":
            fail("bad signature %r" % data[:8])
        chunks = []
        pos = 8
        while pos < len(data):
            if pos + 12 > len(data):
                fail("truncated chunk at byte %d" % pos)
            length, kind = struct.unpack(">I4s", data[pos:pos + 8])
            if pos + 12 + length > len(data):
                fail("chunk %r at byte %d runs past the end" % (kind, pos))
            body = data[pos + 8:pos + 8 + length]
            (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
            if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
                fail("bad CRC in %r chunk at byte %d" % (kind, pos))
            chunks.append((kind.decode("ascii"), body))
            pos += 12 + length
        names = [k for k, _ in chunks]
        if names[0] != "IHDR" or names.count("IHDR") != 1:
            fail("IHDR must come first, once: %r" % names)
        if names[-1] != "IEND" or names.count("IEND") != 1 or chunks[-1][1] != b"":
            fail("IEND must come last, once, empty: %r" % names)
        if len(chunks[0][1]) != 13:
            fail("IHDR has %d bytes" % len(chunks[0][1]))
        width, height, depth, colour, compression, filt, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
        if depth != 8 or colour not in (0, 2, 6) or compression or filt or interlace:
            fail("unsupported IHDR %r" % ((depth, colour, compression, filt, interlace),))
        bpp = {0: 1, 2: 3, 6: 4}[colour]
        idats = [i for i, n in enumerate(names) if n == "IDAT"]
        if not idats or idats != list(range(idats[0], idats[-1] + 1)):
            fail("IDAT chunks missing or not consecutive: %r" % names)

        animation = None
        frames = []
        sequence = []
        for index, (name, body) in enumerate(chunks):
            if name == "acTL":
                if index > idats[0]:
                    fail("acTL after the first IDAT")
                plays = struct.unpack(">II", body)
                animation = {"frames": plays[0], "plays": plays[1]}
            elif name == "fcTL":
                if len(body) != 26:
                    fail("fcTL has %d bytes" % len(body))
                f = struct.unpack(">IIIIIHHBB", body)
                control = dict(zip(["sequence", "width", "height", "x_offset", "y_offset",
                                    "delay_num", "delay_den", "dispose_op", "blend_op"], f))
                if control["x_offset"] + control["width"] > width or control["y_offset"] + control["height"] > height:
                    fail("frame %d falls outside the canvas" % len(frames))
                sequence.append(control["sequence"])
                frames.append({"control": control, "data": b""})
            elif name == "IDAT" and frames:
                if len(frames) != 1:
                    fail("IDAT belongs to frame %d" % (len(frames) - 1))
                frames[0]["data"] += body
            elif name == "fdAT":
                (number,) = struct.unpack(">I", body[:4])
                sequence.append(number)
                if len(frames) < 2:
                    fail("fdAT before the second fcTL (frame 0 must be IDAT)")
                frames[-1]["data"] += body[4:]
        if sequence != list(range(len(sequence))):
            fail("sequence numbers are not 0, 1, 2, ...: %r" % sequence)
        if animation is not None and animation["frames"] != len(frames):
            fail("acTL says %d frames, found %d fcTL" % (animation["frames"], len(frames)))

        still, still_filters = unfilter(zlib.decompress(b"".join(chunks[i][1] for i in idats)), width, height, bpp)
        open(os.path.join(outdir, "still.raw"), "wb").write(still)
        report_frames = []
        for number, frame in enumerate(frames):
            c = frame["control"]
            pixels, filters = unfilter(zlib.decompress(frame["data"]), c["width"], c["height"], bpp)
            open(os.path.join(outdir, "frame%d.raw" % number), "wb").write(pixels)
            report_frames.append({"control": c, "filters": filters})

        try:
            from PIL import Image
        except ImportError:
            pillow = {"available": False}
        else:
            image = Image.open(path)
            count = getattr(image, "n_frames", 1)
            pillow = {"available": True, "frames": count, "mode": image.mode}
            for number in range(count):
                image.seek(number)
                frame = image.convert({0: "L", 2: "RGB", 6: "RGBA"}[colour])
                open(os.path.join(outdir, "pil%d.raw" % number), "wb").write(frame.tobytes())

        print(json.dumps({
            "header": {"width": width, "height": height, "depth": depth, "colour_type": colour,
                       "compression": compression, "filter": filt, "interlace": interlace},
            "chunks": names, "animation": animation, "sequence": sequence,
            "still_filters": still_filters, "frames": report_frames, "pillow": pillow}))

    main()
    """#
}

/// Where two pixel buffers first differ, for short failure messages; nil if equal.
func pixelDifference(_ seen: [UInt8], _ expected: [UInt8]) -> String? {
  if seen == expected { return nil }
  if seen.count != expected.count { return "sizes differ: seen \(seen.count) bytes, expected \(expected.count)" }
  let i = seen.indices.first { seen[$0] != expected[$0] } ?? 0
  return "first difference at byte \(i): seen \(seen[i]), expected \(expected[i])"
}

/// `pixelDifference` over lists of frames.
func framesDifference(_ seen: [[UInt8]], _ expected: [[UInt8]]) -> String? {
  if seen.count != expected.count { return "seen \(seen.count) frames, expected \(expected.count)" }
  for (i, (s, e)) in zip(seen, expected).enumerated() {
    if let d = pixelDifference(s, e) { return "frame \(i): \(d)" }
  }
  return nil
}

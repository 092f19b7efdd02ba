// swift-tools-version:6.0
import PackageDescription

// Numeric and file-format code must be optimised even in `swift build` and
// `swift test` (debug): an -Onone build runs these loops ~1000x slower
// (see ../shared/PLATFORM.md). Unsafe flags are allowed in a root package.
let optimised: [SwiftSetting] = [.unsafeFlags(["-O", "-enforce-exclusivity=unchecked"])]

/// One executable per stage; each is a shim over a command type in `Stages`.
let stages: [String] = [
  "vae-fetch", "vae-decompress", "vae-train", "vae-checkpoint", "vae-corrupt", "vae-bench",
  "vae-eval", "vae-render", "vae-classify",
]

/// libFuzzer targets (Tests/Fuzz/<name>): declared only when DIGITVAE_FUZZ is set, as
/// scripts/fuzz.sh does, so that `swift build` and `swift test` never see them (they
/// need the libFuzzer runtime that `-sanitize=fuzzer` links).
let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] =
  Context.environment["DIGITVAE_FUZZ"] == nil
  ? []
  : [
    ("fuzz-idx", ["DataFiles", "FuzzSupport"]),
    ("fuzz-gzip", ["DataFiles", "FuzzSupport"]),
    ("fuzz-safetensors", ["Checkpoints", "FuzzSupport"]),
    ("fuzz-json", ["Runs", "Metrics", "Corruptions", "Checkpoints", "Models", "FuzzSupport"]),
  ]

let package = Package(
  name: "DigitVAE",
  platforms: [.macOS(.v15)],
  products: stages.map { .executable(name: $0, targets: [$0]) }
    + fuzzTargets.map { .executable(name: $0.name, targets: [$0.name]) },
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
  ],
  targets: [
    .systemLibrary(
      name: "CZlib", path: "Sources/CZlib",
      providers: [.apt(["zlib1g-dev"])]),
    .systemLibrary(
      name: "COpenBLAS", path: "Sources/COpenBLAS",
      providers: [.apt(["libopenblas-dev"])]),

    .target(name: "DataFiles", dependencies: ["CZlib"], swiftSettings: optimised),
    // The innermost kernels that need AVX-512 or AVX2 + FMA, chosen at run time (see its header).
    .target(name: "CKernels", path: "Sources/CKernels", cSettings: [.unsafeFlags(["-O2"])]),
    .target(name: "Compute", dependencies: ["COpenBLAS", "CKernels"], swiftSettings: optimised),
    .target(name: "Models", dependencies: ["Compute", "CKernels"], swiftSettings: optimised),
    .target(name: "Checkpoints", dependencies: ["DataFiles", "CZlib"], swiftSettings: optimised),
    .target(name: "Corruptions", dependencies: ["Compute", "DataFiles"], swiftSettings: optimised),
    .target(name: "Imaging", dependencies: ["DataFiles"], swiftSettings: optimised),
    .target(name: "Terminal"),
    .target(name: "Fetching", dependencies: ["DataFiles", "Terminal"], swiftSettings: optimised),
    .target(
      name: "Runs", dependencies: ["DataFiles", "Compute", "Models", "Checkpoints", "Corruptions", "Imaging"],
      swiftSettings: optimised),
    .target(
      name: "Metrics", dependencies: ["DataFiles", "Compute", "Models", "Corruptions", "Imaging", "Runs"],
      swiftSettings: optimised),
    .target(
      name: "Reports", dependencies: ["DataFiles", "Compute", "Models", "Checkpoints", "Imaging", "Terminal", "Runs"],
      swiftSettings: optimised),
    .target(
      name: "Stages",
      dependencies: [
        "DataFiles", "Compute", "Models", "Checkpoints", "Imaging", "Corruptions", "Terminal", "Fetching", "Runs", "Metrics",
        "Reports",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: optimised),
    .target(name: "TestSupport", dependencies: ["DataFiles", "Terminal"], path: "Tests/TestSupport"),

    .testTarget(name: "CorruptionsTests", dependencies: ["Corruptions", "TestSupport"]),
    .testTarget(name: "DataFilesTests", dependencies: ["DataFiles", "TestSupport"]),
    .testTarget(name: "CheckpointsTests", dependencies: ["Checkpoints", "TestSupport"]),
    .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"]),
    .testTarget(name: "StagesTests", dependencies: ["Stages", "Reports", "TestSupport"] + stages.map { .target(name: $0) }),
    .testTarget(name: "ComputeTests", dependencies: ["Compute", "CKernels", "TestSupport"]),
    .testTarget(name: "ModelsTests", dependencies: ["Models", "TestSupport"]),
    .testTarget(name: "TerminalTests", dependencies: ["Terminal", "TestSupport"]),
    .testTarget(name: "FetchingTests", dependencies: ["Fetching", "TestSupport"]),
    .testTarget(name: "RunsTests", dependencies: ["Runs", "TestSupport"]),
    .testTarget(name: "MetricsTests", dependencies: ["Metrics", "TestSupport"]),
    .testTarget(name: "ReportsTests", dependencies: ["Reports", "TestSupport"]),
  ]
    + stages.map { .executableTarget(name: $0, dependencies: ["Stages"]) }
    + (fuzzTargets.isEmpty
      ? []
      : [
        .systemLibrary(name: "CLibFuzzer", path: "Tests/Fuzz/CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], path: "Tests/Fuzz/Support"),
      ])
    + fuzzTargets.map { .executableTarget(name: $0.name, dependencies: $0.dependencies, path: "Tests/Fuzz/\($0.name)") }
)

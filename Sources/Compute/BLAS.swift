import COpenBLAS
import Foundation

/// OpenBLAS, opened at run time, and a row-major single-precision GEMM over it.
///
/// The library is opened with `dlopen` on first use rather than linked, because
/// OpenBLAS picks its kernels from `OPENBLAS_CORETYPE` when it loads. Debian's
/// 0.3.21 takes AMD Zen 4/5 for Haswell (AVX2) and runs at half speed there, so
/// when the user has not set the variable and the CPU has the AVX-512 subsets
/// OpenBLAS's SkylakeX kernels use (F, BW, VL, DQ), loading sets it to
/// `SkylakeX` first. A value the user set is left alone. Loading likewise sets
/// `OPENBLAS_THREAD_TIMEOUT` (how long OpenBLAS's idle threads spin) to 20, unless set.
///
/// Loading happens once per process and is thread-safe (a Swift global is
/// initialised under `swift_once`). Call ``load()`` (it throws a readable error
/// when the library is missing) before any other member; they treat a missing
/// library as a programmer error.
public enum BLAS {
  /// The library names tried, in order.
  public static let libraryNames = ["libopenblas.so.0", "libopenblas.so"]

  private typealias SgemmFunction = @convention(c) (
    CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, Int32, Int32, Int32,
    Float, UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32,
    Float, UnsafeMutablePointer<Float>?, Int32
  ) -> Void
  private typealias SetThreadsFunction = @convention(c) (Int32) -> Void
  private typealias GetThreadsFunction = @convention(c) () -> Int32
  private typealias CoreNameFunction = @convention(c) () -> UnsafeMutablePointer<CChar>?

  private struct Library: @unchecked Sendable {
    let sgemm: SgemmFunction
    let setThreads: SetThreadsFunction
    let getThreads: GetThreadsFunction
    let coreName: String
    let coreTypeSetHere: Bool
  }

  private static let library: Result<Library, ComputeError> = open()

  /// Opens OpenBLAS unless it is open already.
  ///
  /// Throws ``ComputeError/blasLibraryNotFound(tried:reason:)`` when no library
  /// can be opened, and the same error again on every later call.
  public static func load() throws(ComputeError) {
    _ = try library.get()
  }

  /// The kernel family OpenBLAS chose, as `openblas_get_corename()` reports it (e.g. "SkylakeX").
  public static var coreName: String { loaded.coreName }

  /// True when this module set `OPENBLAS_CORETYPE` before opening the library;
  /// false when the user had set it or the CPU lacks the AVX-512 subsets.
  public static var coreTypeSetHere: Bool { loaded.coreTypeSetHere }

  /// The number of threads OpenBLAS uses inside one call.
  public static var threads: Int { Int(loaded.getThreads()) }

  /// Sets the number of threads OpenBLAS uses inside one call (process-wide).
  public static func setThreads(_ count: Int) {
    precondition(count >= 1, "thread count must be at least 1")
    loaded.setThreads(Int32(count))
  }

  /// Row-major `C = alpha * op(A) * op(B) + beta * C` in one `cblas_sgemm` call.
  ///
  /// `op(A)` is `[m, k]`: A is stored `[m, k]`, or `[k, m]` when `transposeA`.
  /// `op(B)` is `[k, n]`: B is stored `[k, n]`, or `[n, k]` when `transposeB`.
  /// C is `[m, n]`. Leading dimensions (row strides) default to the stored row
  /// lengths. With `beta == 0`, C is only written, so it may hold anything (even NaN).
  public static func gemm(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int? = nil, transposeA: Bool = false,
    b: UnsafePointer<Float>, ldb: Int? = nil, transposeB: Bool = false,
    c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
    alpha: Float = 1, beta: Float = 0
  ) {
    let lda = lda ?? (transposeA ? m : k)
    let ldb = ldb ?? (transposeB ? k : n)
    let ldc = ldc ?? n
    checkShape(m: m, n: n, k: k, lda: lda, transposeA: transposeA, ldb: ldb, transposeB: transposeB, ldc: ldc)
    if m == 0 || n == 0 { return }
    loaded.sgemm(
      CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// The preconditions of a row-major product's shape (a programmer error when broken):
  /// dimensions not negative, each leading dimension at least its stored row length.
  @inlinable
  public static func checkShape(
    m: Int, n: Int, k: Int, lda: Int, transposeA: Bool, ldb: Int, transposeB: Bool, ldc: Int
  ) {
    precondition(m >= 0 && n >= 0 && k >= 0, "negative GEMM dimension")
    precondition(lda >= max(1, transposeA ? m : k), "lda too small")
    precondition(ldb >= max(1, transposeB ? k : n), "ldb too small")
    precondition(ldc >= max(1, n), "ldc too small")
  }

  /// True when /proc/cpuinfo lists every AVX-512 subset OpenBLAS's SkylakeX kernels need.
  public static func cpuHasSkylakeXFeatures() -> Bool {
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
      let flagsLine = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
    else { return false }
    let flags = Set(flagsLine.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init))
    return ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(flags.contains)
  }

  private static var loaded: Library {
    switch library {
    case .success(let library): return library
    case .failure(let error): preconditionFailure("BLAS.load() must succeed before BLAS is used: \(error)")
    }
  }

  private static func open() -> Result<Library, ComputeError> {
    var setHere = false
    // Must happen before dlopen: OpenBLAS reads the variable in its constructor.
    if getenv("OPENBLAS_CORETYPE") == nil && cpuHasSkylakeXFeatures() {
      setenv("OPENBLAS_CORETYPE", "SkylakeX", 0)
      setHere = true
    }
    // OpenBLAS's own threads busy-wait about 2^28 cycles (~0.1 s) after each
    // multi-threaded call before sleeping. Split GEMMs and the worker pool run on
    // other threads meanwhile, and a third spinning thread on two cores made whole
    // runs of training steps ~1.5x slower (measured). 2^20 cycles is well under a
    // millisecond and still covers the gaps between calls of one step.
    if getenv("OPENBLAS_THREAD_TIMEOUT") == nil && getenv("GOTO_THREAD_TIMEOUT") == nil {
      setenv("OPENBLAS_THREAD_TIMEOUT", "20", 0)
    }
    var handle: UnsafeMutableRawPointer?
    var reasons: [String] = []
    var name = ""
    for candidate in libraryNames {
      handle = dlopen(candidate, RTLD_NOW | RTLD_LOCAL)
      if handle != nil {
        name = candidate
        break
      }
      reasons.append(dlerror().map { String(cString: $0) } ?? "unknown dlopen error")
    }
    guard let handle else {
      return .failure(.blasLibraryNotFound(tried: libraryNames, reason: reasons.joined(separator: "; ")))
    }
    func symbol<T>(_ symbolName: String, as type: T.Type) throws(ComputeError) -> T {
      guard let raw = dlsym(handle, symbolName) else {
        throw .blasSymbolNotFound(library: name, symbol: symbolName)
      }
      return unsafeBitCast(raw, to: type)
    }
    do {
      let sgemm = try symbol("cblas_sgemm", as: SgemmFunction.self)
      let setThreads = try symbol("openblas_set_num_threads", as: SetThreadsFunction.self)
      let getThreads = try symbol("openblas_get_num_threads", as: GetThreadsFunction.self)
      let coreNameFunction = try symbol("openblas_get_corename", as: CoreNameFunction.self)
      let coreName = coreNameFunction().map { String(cString: $0) } ?? "unknown"
      return .success(
        Library(
          sgemm: sgemm, setThreads: setThreads, getThreads: getThreads,
          coreName: coreName.trimmingCharacters(in: .whitespaces), coreTypeSetHere: setHere))
    } catch {
      return .failure(error)
    }
  }
}

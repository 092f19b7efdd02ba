import Foundation

/// A small HTTP server on 127.0.0.1 for fetch tests, written in Python
/// because python3's own `http.server` cannot answer Range requests.
///
/// It serves the files of `root`, honours `Range: bytes=N-` with 206, logs
/// every request (path and Range header), and can misbehave on purpose.
/// It picks a free port itself and exits on its own after `lifetime` seconds
/// even if a test forgets to `stop()` it.
public final class TestHTTPServer: @unchecked Sendable {
  /// Ways the server can misbehave.
  public struct Behaviour: Sendable, Encodable {
    /// Answer every GET with a 200 HTML page instead of the file.
    public var garbage = false
    /// Ignore Range headers and always answer 200 with the whole file.
    public var ignoreRange = false
    /// On the first full (non-Range) GET of each file, send this many body bytes, then drop the connection.
    public var dropAfter: Int? = nil
    /// Send this many body bytes, then stall (send nothing more) until stopped.
    public var stallAfter: Int? = nil
    /// Answer every GET with this status code and an HTML body.
    public var status: Int? = nil
    /// Accept connections but never answer (no status line, no headers).
    public var silent = false
    /// Seconds after which the server exits by itself.
    public var lifetime = 120

    public init(
      garbage: Bool = false, ignoreRange: Bool = false, dropAfter: Int? = nil, stallAfter: Int? = nil,
      status: Int? = nil, silent: Bool = false
    ) {
      self.garbage = garbage
      self.ignoreRange = ignoreRange
      self.dropAfter = dropAfter
      self.stallAfter = stallAfter
      self.status = status
      self.silent = silent
    }
  }

  /// One logged request.
  public struct Request: Sendable, Decodable, Equatable {
    public var path: String
    public var range: String?
  }

  public let port: Int
  private let process: Process
  private let logPath: String
  private let scriptPath: String

  /// `http://127.0.0.1:PORT/`
  public var url: String { "http://127.0.0.1:\(port)/" }

  /// Starts a server for `root`; `scratch` is a folder for its script and log.
  public init(root: String, scratch: String, behaviour: Behaviour = Behaviour()) throws {
    scriptPath = scratch + "/server-\(UUID().uuidString.prefix(8)).py"
    logPath = scriptPath + ".log"
    try Self.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
    _ = FileManager.default.createFile(atPath: logPath, contents: nil)
    let options = String(decoding: try JSONEncoder().encode(behaviour), as: UTF8.self)
    process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", scriptPath, root, logPath, options]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // The script prints its port as its first line once it is listening.
    var text = ""
    while !text.contains("\n") {
      let chunk = output.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      text += String(decoding: chunk, as: UTF8.self)
    }
    guard let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
      process.terminate()
      throw ServerFailure(message: "test HTTP server did not start (printed \"\(text)\")")
    }
    self.port = port
  }

  deinit { stop() }

  /// Requests seen so far, in order.
  public func requests() -> [Request] {
    let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
  }

  /// Stops the server (by its own process id) and waits for it.
  public func stop() {
    if process.isRunning {
      // SIGKILL: it cannot be blocked, unlike the SIGTERM that `terminate()` sends.
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
  }

  private static let script = #"""
    import http.server, json, os, re, signal, socket, sys, threading, time

    # Children of a Swift test inherit the spawning thread's blocked signals; undo that.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, range(1, signal.NSIG))

    root, log_path, options = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    lock = threading.Lock()
    dropped = set()

    def expire():
        time.sleep(options.get("lifetime", 120))
        os._exit(0)

    threading.Thread(target=expire, daemon=True).start()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def page(self, status, text):
            body = ("<!DOCTYPE html><html><body><h1>%s</h1></body></html>" % text).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            requested_range = self.headers.get("Range")
            with lock:
                with open(log_path, "a") as log:
                    log.write(json.dumps({"path": self.path, "range": requested_range}) + "\n")
            if options.get("silent"):
                time.sleep(options.get("lifetime", 120))
                return
            if options.get("status"):
                return self.page(options["status"], "status %d" % options["status"])
            if options.get("garbage"):
                return self.page(200, "This page has moved")
            name = self.path.split("?")[0].lstrip("/")
            path = os.path.join(root, name)
            if not name or not os.path.isfile(path):
                return self.page(404, "Not Found")
            with open(path, "rb") as f:
                data = f.read()
            start, status = 0, 200
            match = re.fullmatch(r"bytes=(\d+)-", requested_range or "")
            if match and not options.get("ignoreRange"):
                start, status = int(match.group(1)), 206
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", "bytes */%d" % len(data))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            body = data[start:]
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "bytes")
            if status == 206:
                self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
            self.end_headers()
            drop = options.get("dropAfter")
            if drop is not None and start == 0 and name not in dropped:
                dropped.add(name)
                self.wfile.write(body[:drop])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            stall = options.get("stallAfter")
            if stall is not None:
                self.wfile.write(body[:stall])
                self.wfile.flush()
                time.sleep(options.get("lifetime", 120))
                return
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()
    """#
}

/// The test server could not be started.
public struct ServerFailure: Error, CustomStringConvertible {
  public var message: String
  public init(message: String) { self.message = message }
  public var description: String { message }
}

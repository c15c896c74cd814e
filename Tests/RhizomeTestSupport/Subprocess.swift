import Foundation

/// Runs a program with a time limit and captures its output. Tests kill only what they start.
public struct RunResult {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

public enum Subprocess {
    /// Directory holding the package's built executables (next to the test bundle).
    public static let binDirectory: URL = {
        if let dir = ProcessInfo.processInfo.environment["RHIZOME_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("rhizome").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug")
    }()

    public static var rhizome: String { binDirectory.appendingPathComponent("rhizome").path }

    public static func which(_ name: String) -> String? {
        for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"] {
            let p = dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    @discardableResult
    public static func run(_ path: String, _ args: [String], stdin: String? = nil, timeout: TimeInterval = 20) throws -> RunResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? inp.fileHandleForWriting.close()
        // Read both pipes concurrently so a chatty child cannot block on a full pipe. On threads
        // of their own: blocked in reads on Dispatch's global queue (two threads wide on two
        // cores), three live tests at once starved it, and with it the queue Foundation reaps
        // children on, so `isRunning` stayed true and `ip` "timed out" after exiting.
        nonisolated(unsafe) var outData = Data(), errData = Data()
        let group = DispatchGroup()
        group.enter()
        Thread { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }.start()
        group.enter()
        Thread { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }.start()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            group.wait()
            throw TimeoutError(command: ([path] + args).joined(separator: " "))
        }
        p.waitUntilExit()
        group.wait()
        return RunResult(status: p.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }

    public struct TimeoutError: Error, CustomStringConvertible {
        var command: String
        public var description: String { "timed out: \(command)" }
    }
}

/// Interop tests need Debian's yggdrasil. On CI (CI=true) they always run, and fail if it is missing.
public enum Yggdrasil {
    public static let path = Subprocess.which("yggdrasil")
    public static let required = ProcessInfo.processInfo.environment["CI"] == "true"
    public static var available: Bool { path != nil || required }
}

/// yggdrasil 0.5.12 (Debian's package from bookworm-backports, unpacked beside 0.4.7 by
/// Scripts/deps.sh). `RHIZOME_YGGDRASIL05_DIR` points at another directory holding both programs.
public enum Yggdrasil05 {
    static let directory = ProcessInfo.processInfo.environment["RHIZOME_YGGDRASIL05_DIR"] ?? "/opt/yggdrasil-0.5.12/usr/sbin"
    public static let path = directory + "/yggdrasil"
    public static let ctlPath = directory + "/yggdrasilctl"
    public static var installed: Bool {
        FileManager.default.isExecutableFile(atPath: path) && FileManager.default.isExecutableFile(atPath: ctlPath)
    }
}

public func temporaryFile(_ contents: String, suffix: String = ".conf") throws -> String {
    let path = NSTemporaryDirectory() + "rhizome-test-\(UUID().uuidString)\(suffix)"
    try contents.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

// libFuzzer entry point for the "frame" target; the checks are in
// Tests/RhizomeCoreTests/FuzzHarness.swift (shared with FuzzRegressionTests). Build and run with
// Fuzz/run.sh frame SECONDS.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try FuzzHarness.run("frame", UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("fuzz target frame: \(error)")
    }
    return 0
}

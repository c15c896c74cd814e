// libFuzzer entry point for the "traffic" target; the checks are in
// Tests/RhizomeCoreTests/FuzzHarness.swift (shared with FuzzRegressionTests). Build and run with
// Fuzz/run.sh traffic SECONDS.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try FuzzHarness.run("traffic", UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("fuzz target traffic: \(error)")
    }
    return 0
}

// libFuzzer entry point for the "router" target; the checks are in
// Tests/RhizomeCoreTests/FuzzHarness.swift (shared with FuzzRegressionTests). Build and run with
// Fuzz/run.sh router SECONDS.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try FuzzHarness.run("router", UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("fuzz target router: \(error)")
    }
    return 0
}

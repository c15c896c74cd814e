// libFuzzer entry point for the "body" target; the checks are in
// Tests/RhizomeCoreTests/FuzzHarness.swift (shared with FuzzRegressionTests). Build and run with
// Fuzz/run.sh body SECONDS.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try FuzzHarness.run("body", UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("fuzz target body: \(error)")
    }
    return 0
}

// libFuzzer entry point for the "session" target; the checks are in
// Tests/RhizomeSessionsTests/SessionFuzzHarness.swift (shared with SessionFuzzRegressionTests
// there). Build and run with Fuzz/run.sh session SECONDS.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try SessionFuzzHarness.run("session", UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("fuzz target session: \(error)")
    }
    return 0
}

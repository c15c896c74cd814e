// libFuzzer entry point for the "oob" target; the checks are in
// Tests/RhizomeSessionsTests/SessionFuzzHarness.swift (shared with SessionFuzzRegressionTests
// there). Build and run with Fuzz/run.sh oob SECONDS.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try SessionFuzzHarness.run("oob", UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("fuzz target oob: \(error)")
    }
    return 0
}

// libFuzzer entry point for the "config" target; the checks are in
// Tests/RhizomeNodeTests/NodeFuzzHarness.swift (shared with FuzzRegressionTests there). Build and
// run with Fuzz/run.sh config SECONDS.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try NodeFuzzHarness.run("config", UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("fuzz target config: \(error)")
    }
    return 0
}

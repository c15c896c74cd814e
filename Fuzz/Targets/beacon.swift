// libFuzzer entry point for the "beacon" target; the checks are in
// Tests/RhizomeNodeTests/NodeFuzzHarness.swift (shared with FuzzRegressionTests there). Build and
// run with Fuzz/run.sh beacon SECONDS.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try NodeFuzzHarness.run("beacon", UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("fuzz target beacon: \(error)")
    }
    return 0
}

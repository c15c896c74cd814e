// libFuzzer entry point for the "hjson" target; the checks are in
// Tests/RhizomeNodeTests/NodeFuzzHarness.swift (shared with FuzzRegressionTests there). Build and
// run with Fuzz/run.sh hjson SECONDS.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try NodeFuzzHarness.run("hjson", UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("fuzz target hjson: \(error)")
    }
    return 0
}

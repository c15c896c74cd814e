// libFuzzer entry point for the "peeruri" target; the checks are in
// Tests/RhizomeNodeTests/NodeFuzzHarness.swift (shared with FuzzRegressionTests there). Build and
// run with Fuzz/run.sh peeruri SECONDS.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try NodeFuzzHarness.run("peeruri", UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("fuzz target peeruri: \(error)")
    }
    return 0
}

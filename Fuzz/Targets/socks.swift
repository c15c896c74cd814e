// libFuzzer entry point for the "socks" target; the checks are in
// Tests/RhizomeNodeTests/NodeFuzzHarness.swift (shared with FuzzRegressionTests there). Build and
// run with Fuzz/run.sh socks SECONDS.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try NodeFuzzHarness.run("socks", UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("fuzz target socks: \(error)")
    }
    return 0
}

// libFuzzer entry point for the "adminsplit" target; the checks are in
// Tests/RhizomeNodeTests/NodeFuzzHarness.swift (shared with FuzzRegressionTests there). Build and
// run with Fuzz/run.sh adminsplit SECONDS.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try NodeFuzzHarness.run("adminsplit", UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("fuzz target adminsplit: \(error)")
    }
    return 0
}

// libFuzzer entry point for the "uvarint" target; the checks are in
// Tests/RhizomeCoreTests/FuzzHarness.swift (shared with FuzzRegressionTests). Build and run with
// Fuzz/run.sh uvarint SECONDS.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try FuzzHarness.run("uvarint", UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("fuzz target uvarint: \(error)")
    }
    return 0
}

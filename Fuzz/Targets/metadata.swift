// libFuzzer entry point for the "metadata" target; the checks are in
// Tests/RhizomeCoreTests/FuzzHarness.swift (shared with FuzzRegressionTests). Build and run with
// Fuzz/run.sh metadata SECONDS.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try FuzzHarness.run("metadata", UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("fuzz target metadata: \(error)")
    }
    return 0
}

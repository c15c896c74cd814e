// libFuzzer entry point for the "wire05" target (protocol 0.5 decoders); the checks are in
// Tests/RhizomeCoreTests/FuzzHarness.swift (shared with FuzzRegressionTests). Build and run with
// Fuzz/run.sh wire05 SECONDS.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try FuzzHarness.run("wire05", UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("fuzz target wire05: \(error)")
    }
    return 0
}

// libFuzzer entry point for the "router05" target (one Router05 driven by byte-coded
// operations); the checks are in Tests/RhizomeCoreTests/Fuzz05Harness.swift, compiled with
// FuzzHarness.swift. Build and run with Fuzz/run.sh router05 SECONDS.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try Router05FuzzHarness.run(UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("fuzz target router05: \(error)")
    }
    return 0
}

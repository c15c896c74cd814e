/// Packets and bytes through the TUN device, counted by the `NodeRuntime` for the metrics:
/// read from the kernel (our traffic going out) and written to it (traffic for us).
struct TunCounters {
    var packetsRead: UInt64 = 0
    var bytesRead: UInt64 = 0
    var packetsWritten: UInt64 = 0
    var bytesWritten: UInt64 = 0
}

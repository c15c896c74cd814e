import Foundation
import Testing
import RhizomeTestSupport

/// Issue 13, end to end: a link whose peer stops reading is closed by the stall rule ("peer
/// stopped reading" once the channel has been unwritable for 30 s) and V's memory stays bounded
/// meanwhile. A shaper on the link cannot show this (it also holds back V's ACKs, so V's read
/// timeout fires first), so S reaches V through Benchmarks/stall-relay.py, which forwards S→V at
/// full speed but, while its stall file exists, reads V's side only 1 KiB a second.
@Suite(.live, .serialized, .enabled(if: NetworkLab.canRun || NetworkLab.required, "needs root and iproute2"))
struct StalledReaderInteropTests {
    /// Found through #filePath: the test target declares no resources.
    static let relay = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Benchmarks/stall-relay.py").standardized.path

    /// Sends 1000-byte UDP datagrams to argv[1] (port 9) at argv[2] a second for argv[3] seconds.
    static let udpFlood = """
        import socket, sys, time
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        rate, secs, start, sent = int(sys.argv[2]), float(sys.argv[3]), time.monotonic(), 0
        while time.monotonic() - start < secs:
            while sent < int((time.monotonic() - start) * rate):
                try: s.sendto(b"x" * 1000, (sys.argv[1], 9))
                except OSError: pass
                sent += 1
            time.sleep(0.005)
        """

    static func rssKiB(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }

    @Test(arguments: [MeshNode.Generation.v05, .v04])
    func peerThatStopsReadingIsClosedByTheStallRule(_ generation: MeshNode.Generation) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let hv = try lab.addHost(), hs = try lab.addHost()
        let (av, _) = try lab.connect(hv, hs)
        let v = try MeshNode(lab: lab, host: hv, .rhizome, name: "V", generation: generation, listen: ["tcp://[\(av)]:12345"], tun: true)
        let s = try MeshNode(lab: lab, host: hs, .rhizome, name: "S", generation: generation, peers: ["tcp://[::1]:12400"], tun: true)
        let stallFile = lab.directory + "/stall"
        try lab.start(hs, "/usr/bin/python3", [Self.relay, "--listen", "[::1]:12400", "--to", "[\(av)]:12345",
                                               "--stall-file", stallFile, "--trickle", "1024", "--seconds", "90"], name: "relay")
        try v.start()
        #expect(v.waitReady())
        try s.start()
        #expect(s.waitReady())
        try #require(NetworkLab.waitUntil(timeout: 20) { v.linkedKeys().contains(s.publicKey) }, "\(v.log.suffix(800))")
        try #require(v.canPing(s.address), "\(v.log.suffix(800))")
        let pid = try #require(v.process?.processIdentifier)
        let rssBefore = Self.rssKiB(pid)

        // The stall: V sends S 500 UDP datagrams of 1 KB a second (over its TUN, so through the
        // link), while the relay takes 1 KiB/s of V's side. (ping slows itself down when no
        // replies come back; a plain UDP sender does not.)
        FileManager.default.createFile(atPath: stallFile, contents: nil)
        let stalled = Date()
        let flood = try lab.start(hv, "/usr/bin/python3", ["-c", Self.udpFlood, s.address, "500", "55"], name: "flood")
        defer { lab.stop(flood) }
        var peak = rssBefore
        let closed = NetworkLab.waitUntil(timeout: 50, interval: 0.5) {
            peak = max(peak, Self.rssKiB(pid))
            return v.log.contains("peer stopped reading")
        }
        let seconds = Date().timeIntervalSince(stalled)
        let closes = v.log.split(separator: "\n").filter { $0.contains("Disconnected") }
        print("stalled reader (\(generation.rawValue)): V closed the link after \(String(format: "%.1f", seconds)) s: "
              + "\(closes.first ?? "no close"); V's RSS \(rssBefore / 1024) → peak \(peak / 1024) MiB; relay: \(lab.logText("relay"))")
        #expect(closed, "no stall close within 50 s; V's closes: \(closes)")
        // The first close of the link is the stall rule's (not a read timeout), no sooner than
        // its 30 s, and S's frames kept reaching V the whole time.
        #expect(closes.first?.contains("peer stopped reading: nothing taken for 30 s") == true, "\(closes)")
        #expect(seconds >= 30 && seconds < 50)
        // V's queue for S is bounded (about twice the 1 MiB write-buffer high mark, plus one
        // hand-off buffer): V's RSS grows by a few MiB, not by what the pinger sends (~25 MB).
        #expect(peak - rssBefore < 16 * 1024, "RSS \(rssBefore) → \(peak) KiB")
        #expect(v.isRunning && s.isRunning)
    }
}

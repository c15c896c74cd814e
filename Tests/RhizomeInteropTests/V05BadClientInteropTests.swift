import Foundation
import Testing
import RhizomeTestSupport

/// A client that sends a malformed 0.5 frame after a valid handshake, or signs its metadata with
/// another password, loses only its own link — logged with its key — while rhizome keeps routing
/// for its other peers. The client replays metadata blocks captured from yggdrasil 0.5.12 (node A
/// of shared/spec/v05/vectors/node-link-metadata.json): the signature covers only the key and the
/// password, so a replayed block is a valid handshake.
@Suite(.live, .serialized, .timeLimit(.minutes(5)),
       .enabled(if: V05.runnable, "needs root, iproute2 and yggdrasil 0.5.12 in /opt/yggdrasil-0.5.12"))
struct V05BadClientInteropTests {
    static let keyA = "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0"
    /// A's block, no password.
    static let blockA = "6d65746100750000000200000001000200050002002075b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f000030001005e343514e871311cea56bbe1c2eb0f447d4a88b766b34bd7b52616167a2c1e8f6b92e6316249cba04c9e451058c86d02109ad02e89bf29d3f0c8ed8b7c68300b"
    /// A's block signed with the password "sekrit".
    static let blockASekrit = "6d65746100750000000200000001000200050002002075b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0000300010017e2bdc17a55251ffb4cc52396ae3e74dad16bbed5086b81340e232d36b67262f1381854f28dcc200c2379579203f8f6656833d828e911da5ca7528222d18e09"

    @Test func badClientsLoseOnlyTheirOwnLink() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        let (a1, _) = try lab.connect(h1, h2)
        let rz = try V05.node(lab, h1, .rhizome, "rz", listen: ["tcp://[\(a1)]:12345"])
        let ygg = try V05.node(lab, h2, .yggdrasil, "ygg", peers: ["tcp://[\(a1)]:12345"])
        try V05.start(rz, ygg)
        #expect(NetworkLab.waitUntil(timeout: 15) { rz.linkedKeys().contains(ygg.publicKey) })
        let client = """
        import socket, sys, time
        host, block, mode = sys.argv[1], bytes.fromhex(sys.argv[2]), sys.argv[3]
        s = socket.create_connection((host, 12345))
        s.sendall(block)
        s.settimeout(5)
        got = b""
        while len(got) < 123:
            d = s.recv(123 - len(got))
            if not d: break
            got += d
        if mode == "frame":
            s.sendall(bytes([2, 10, 0]))   # uvarint length 2, type 10: no such message in 0.5
        deadline = time.time() + 8
        try:
            while time.time() < deadline:
                if not s.recv(4096):
                    print("closed", len(got))
                    break
            else:
                print("still open", len(got))
        except socket.timeout:
            print("still open", len(got))
        """
        let script = lab.directory + "/client05.py"
        try client.write(toFile: script, atomically: true, encoding: .utf8)

        // A malformed frame after a good handshake: the node answered with its block, then closes.
        let bad = try lab.run(h2, "/usr/bin/python3", [script, a1, Self.blockA, "frame"], timeout: 20)
        #expect(bad.stdout.contains("closed 123"), "frame: \(bad.stdout) \(bad.stderr)")
        // A block signed with another password: refused after the node's own block.
        let pw = try lab.run(h2, "/usr/bin/python3", [script, a1, Self.blockASekrit, "password"], timeout: 20)
        #expect(pw.stdout.contains("closed"), "password: \(pw.stdout) \(pw.stderr)")

        #expect(NetworkLab.waitUntil(timeout: 5) { rz.log.contains("password does not match remote side") },
                "the refused password is logged: \(rz.log.suffix(2000))")
        let lines = rz.log.split(separator: "\n")
        #expect(lines.contains { $0.contains(Self.keyA) && $0.lowercased().contains("type 10") },
                "the malformed frame's link is logged with the peer's key: \(rz.log.suffix(2000))")
        #expect(rz.process?.isRunning == true)
        #expect(rz.linkedKeys() == [ygg.publicKey], "the good link is untouched")
        V05.expectTraffic(ygg, rz, "ygg → rz after the bad clients")
    }
}

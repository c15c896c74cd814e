import Foundation
import Testing
import RhizomeTestSupport

// rhizome speaking protocol 0.5 (`"ProtocolVersion": "0.5"`) with yggdrasil 0.5.12. The
// scenarios are in V05Lab.swift; V05LabControlTests runs each with yggdrasil on every node.
// One suite per area so CI can run them side by side (every lab has its own namespaces).
//
//     swift build --build-tests && sudo swift test --skip-build --filter 'V05.*InteropTests'

/// tcp, tls, unix, socks and sockstls links, each side dialling: ping and iperf3 both ways, and
/// yggdrasilctl 0.5.12 getPeers on the yggdrasil node lists rhizome's key.
@Suite(.live, .serialized, .timeLimit(.minutes(10)),
       .enabled(if: V05.runnable, "needs root, iproute2 and yggdrasil 0.5.12 in /opt/yggdrasil-0.5.12"))
struct V05TransportInteropTests {
    @Test(arguments: V05.Transport.allCases, [true, false])
    func rhizomeWithYggdrasil(transport: V05.Transport, rhizomeDials: Bool) throws {
        try V05.transportScenario(listener: rhizomeDials ? .yggdrasil : .rhizome,
                                  dialer: rhizomeDials ? .rhizome : .yggdrasil, transport: transport)
    }
}

/// Link passwords (`?password=`): the same password links, different ones never do.
@Suite(.live, .serialized, .timeLimit(.minutes(10)),
       .enabled(if: V05.runnable, "needs root, iproute2 and yggdrasil 0.5.12 in /opt/yggdrasil-0.5.12"))
struct V05PasswordInteropTests {
    @Test(arguments: [true, false], [true, false])
    func linkPassword(same: Bool, rhizomeDials: Bool) throws {
        try V05.passwordScenario(listener: rhizomeDials ? .yggdrasil : .rhizome,
                                 dialer: rhizomeDials ? .rhizome : .yggdrasil, same: same)
    }
}

/// Mixed lines: y–rz–y and rz–y–rz end to end; an alternating five with its middle link cut.
@Suite(.live, .serialized, .timeLimit(.minutes(10)),
       .enabled(if: V05.runnable, "needs root, iproute2 and yggdrasil 0.5.12 in /opt/yggdrasil-0.5.12"))
struct V05LineInteropTests {
    @Test(arguments: [MeshNode.Implementation.yggdrasil, .rhizome])
    func mixedLineOfThreeCarriesTraffic(ends: MeshNode.Implementation) throws {
        let middle: MeshNode.Implementation = ends == .rhizome ? .yggdrasil : .rhizome
        try V05.lineOfThreeScenario([ends, middle, ends])
    }

    @Test(arguments: [MeshNode.Implementation.yggdrasil, .rhizome])
    func alternatingLineOfFiveSurvivesACutLink(first: MeshNode.Implementation) throws {
        let other: MeshNode.Implementation = first == .rhizome ? .yggdrasil : .rhizome
        try V05.cutLineScenario((0..<5).map { $0 % 2 == 0 ? first : other })
    }
}

/// Multicast discovery on a link-local-only veth, with no, equal and different passwords.
@Suite(.live, .serialized, .timeLimit(.minutes(10)),
       .enabled(if: V05.runnable, "needs root, iproute2 and yggdrasil 0.5.12 in /opt/yggdrasil-0.5.12"))
struct V05MulticastInteropTests {
    @Test(arguments: V05.MulticastPasswords.allCases)
    func rhizomeAndYggdrasilOnOneLAN(passwords: V05.MulticastPasswords) throws {
        try V05.multicastScenario(.yggdrasil, .rhizome, passwords: passwords.pair)
    }

    /// The other start order: rhizome beacons first, yggdrasil joins later.
    @Test func rhizomeFirstThenYggdrasilWithTheSamePassword() throws {
        try V05.multicastScenario(.rhizome, .yggdrasil, passwords: V05.MulticastPasswords.same.pair)
    }
}

/// Routed /64s and source checks.
@Suite(.live, .serialized, .timeLimit(.minutes(10)),
       .enabled(if: V05.runnable, "needs root, iproute2 and yggdrasil 0.5.12 in /opt/yggdrasil-0.5.12"))
struct V05SubnetInteropTests {
    @Test(arguments: [MeshNode.Implementation.rhizome, .yggdrasil])
    func hostOnARoutedSubnetIsReachable(router: MeshNode.Implementation) throws {
        try V05.routedSubnetScenario(router: router, far: router == .rhizome ? .yggdrasil : .rhizome)
    }

    @Test func rhizomeDropsASpoofedSource() throws {
        try V05.spoofScenario(sender: .rhizome, receiver: .yggdrasil)
    }
}

/// Restarts: either side, either role; traffic resumes within 15 s (the limit is per case and
/// leaves room for a full suite holding the test threads).
@Suite(.live, .serialized, .timeLimit(.minutes(10)),
       .enabled(if: V05.runnable, "needs root, iproute2 and yggdrasil 0.5.12 in /opt/yggdrasil-0.5.12"))
struct V05RestartInteropTests {
    @Test(arguments: [true, false], [true, false])
    func trafficResumesAfterARestart(rhizomeListens: Bool, restartRhizome: Bool) throws {
        try V05.restartScenario(listener: rhizomeListens ? .rhizome : .yggdrasil,
                                dialer: rhizomeListens ? .yggdrasil : .rhizome,
                                restartListener: rhizomeListens == restartRhizome)
    }
}

/// 150 s of pings both ways, past two session key rotations: nothing lost.
@Suite(.live, .serialized, .timeLimit(.minutes(10)),
       .enabled(if: V05.runnable, "needs root, iproute2 and yggdrasil 0.5.12 in /opt/yggdrasil-0.5.12"))
struct V05LongFlowInteropTests {
    @Test func flowOf150SecondsLosesNothing() throws {
        try V05.longFlowScenario(listener: .yggdrasil, dialer: .rhizome)
    }
}

/// rhizome 0.4 and rhizome 0.5 refuse each other, and each says why in its log.
@Suite(.live, .serialized, .timeLimit(.minutes(10)),
       .enabled(if: (NetworkLab.canRun || NetworkLab.required), "needs root and iproute2"))
struct V05VersionInteropTests {
    @Test(arguments: [true, false])
    func rhizome04And05DoNotPeer(olderListens: Bool) throws {
        let old = (MeshNode.Implementation.rhizome, MeshNode.Generation.v04), new = (MeshNode.Implementation.rhizome, MeshNode.Generation.v05)
        try V05.versionMismatchScenario(listener: olderListens ? old : new, dialer: olderListens ? new : old)
    }
}

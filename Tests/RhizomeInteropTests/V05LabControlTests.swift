import Foundation
import Testing
import RhizomeTestSupport

/// The 0.5 scenarios with yggdrasil 0.5.12 on every node: they prove the lab and the checks
/// (these must pass whatever rhizome does), so a failing `V05…InteropTests` case is rhizome's.
///
///     swift build --build-tests && sudo swift test --skip-build --filter V05LabControlTests
@Suite(.live, .serialized, .timeLimit(.minutes(4)),
       .enabled(if: V05.runnable, "needs root, iproute2 and yggdrasil 0.5.12 in /opt/yggdrasil-0.5.12"))
struct V05LabControlTests {
    /// The lab itself: two 0.5.12 nodes on tcp://, ping both ways, each lists the other.
    @Test func yggdrasilPairPingsBothWaysOverTCP() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let (l, d) = try V05.pair(lab, listener: .yggdrasil, dialer: .yggdrasil)
        #expect(V05.linked(l, d), "\(l.log)\n\(d.log)")
        V05.expectListed(on: l, key: d.publicKey, dialledWith: nil)
        V05.expectListed(on: d, key: l.publicKey, dialledWith: "tcp")
        #expect(l.canPing(d.address), "\(l.log)\n\(d.log)")
        #expect(d.canPing(l.address))
        let ctlRefused = try Subprocess.run(Yggdrasil05.ctlPath, ["-json", "-endpoint", "unix://\(lab.directory)/none.sock", "getSelf"])
        #expect(ctlRefused.status == 0 && (try? JSONSerialization.jsonObject(with: Data(ctlRefused.stdout.utf8))) == nil,
                "yggdrasilctl exits 0 without an answer, so MeshNode.ctl must look at the JSON")
    }

    @Test(arguments: V05.Transport.allCases)
    func yggdrasilPairOverTransport(transport: V05.Transport) throws {
        try V05.transportScenario(listener: .yggdrasil, dialer: .yggdrasil, transport: transport)
    }

    @Test(arguments: [true, false])
    func yggdrasilLinkPassword(same: Bool) throws {
        try V05.passwordScenario(listener: .yggdrasil, dialer: .yggdrasil, same: same)
    }

    @Test func yggdrasilLineOfThreeCarriesTraffic() throws {
        try V05.lineOfThreeScenario([.yggdrasil, .yggdrasil, .yggdrasil])
    }

    @Test func yggdrasilLineOfFiveSurvivesACutLink() throws {
        try V05.cutLineScenario(Array(repeating: .yggdrasil, count: 5))
    }

    @Test(arguments: [V05.MulticastPasswords.none, .same, .different])
    func yggdrasilMulticast(passwords: V05.MulticastPasswords) throws {
        try V05.multicastScenario(.yggdrasil, .yggdrasil, passwords: passwords.pair)
    }

    @Test func yggdrasilRoutedSubnetIsReachable() throws {
        try V05.routedSubnetScenario(router: .yggdrasil, far: .yggdrasil)
    }

    @Test func yggdrasilDropsASpoofedSource() throws {
        try V05.spoofScenario(sender: .yggdrasil, receiver: .yggdrasil)
    }

    @Test(arguments: [true, false])
    func yggdrasilRestart(restartListener: Bool) throws {
        try V05.restartScenario(listener: .yggdrasil, dialer: .yggdrasil, restartListener: restartListener)
    }

    /// 0.5.12 and Debian's 0.4.7 do not link, and both say it is the version.
    @Test(.enabled(if: Yggdrasil.path != nil || NetworkLab.required, "needs Debian's yggdrasil 0.4.7"),
          arguments: [true, false])
    func yggdrasil05And047DoNotPeer(olderListens: Bool) throws {
        let old = (MeshNode.Implementation.yggdrasil, MeshNode.Generation.v04), new = (MeshNode.Implementation.yggdrasil, MeshNode.Generation.v05)
        try V05.versionMismatchScenario(listener: olderListens ? old : new, dialer: olderListens ? new : old)
    }
}

/// The 150-second flow with yggdrasil 0.5.12 on both ends (kept apart: it is slow; the limit
/// leaves room for a full suite holding the test threads).
@Suite(.live, .serialized, .timeLimit(.minutes(8)),
       .enabled(if: V05.runnable, "needs root, iproute2 and yggdrasil 0.5.12 in /opt/yggdrasil-0.5.12"))
struct V05LabLongFlowControlTests {
    @Test func yggdrasilFlowOf150SecondsLosesNothing() throws {
        try V05.longFlowScenario(listener: .yggdrasil, dialer: .yggdrasil)
    }
}

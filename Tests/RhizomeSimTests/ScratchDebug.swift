import Foundation
import RhizomeCrypto
import Testing
@testable import RhizomeCore
@testable import RhizomeSim

@Suite struct ScratchDebug {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SCRATCH"] != nil)) func gridSeed1() throws {
        var c = ScenarioConfig(nodes: 120, seed: 1, topology: .grid, faults: true)
        c.pairs = 4000
        c.partition = false
        c.maxConvergenceWait = 30
        let scenario = Scenario(c)
        do {
            let sim = scenario.simulator
            func name(_ k: PublicKey?) -> String {
                guard let k else { return "none" }
                let i = sim.keys.firstIndex(of: k)!
                return "n\(i)/r\(sim.keyOrder.firstIndex(of: i)!)"
            }
            sim.frameObserver = { t, from, to, link, frame in
                let body = Array(frame.dropFirst())
                var desc = ""
                switch frame[0] {
                case 2: if let b = try? DHTBootstrap(decoding: body) { desc = "bootstrap from \(name(b.label.key)) root \(name(b.label.root)) seq \(b.label.seq)" }
                case 3: if let a = try? DHTBootstrapAck(decoding: body) { desc = "ack for \(name(a.bootstrap.label.key)) by \(name(a.response.dest.key)) root \(name(a.response.dest.root)) seq \(a.response.dest.seq)" }
                case 4: if let s = try? DHTSetup(decoding: body) { desc = "setup \(name(s.token.source)) -> \(name(s.token.dest.key)) seq \(s.seq) root \(name(s.token.dest.root)) rseq \(s.token.dest.seq)" }
                case 5: if let d = try? DHTTeardown(decoding: body) { desc = "teardown src \(name(d.key)) seq \(d.seq) root \(name(d.root)) rseq \(d.rootSeq)" }
                default: return
                }
                if desc.hasPrefix("setup n60/") && (to == 37 || from == 37) {
                    print(String(format: "%.4f", t), "n\(from) -> n\(to):", desc)
                }
            }
        }
        let report = scenario.run()
        print(report.failures)
        let sim = scenario.simulator
        func name(_ k: PublicKey?) -> String {
            guard let k else { return "none" }
            let i = sim.keys.firstIndex(of: k)!
            return "n\(i)/r\(sim.keyOrder.firstIndex(of: i)!)"
        }
        for _ in 0..<8 {
            sim.run(until: sim.now + 0.25)
            let c = sim.checkState()
            print(String(format: "%.2f", sim.now), c.examples)
            for v in 0..<sim.nodeCount {
                let r = sim.routers[v]
                let rank = sim.keyOrder.firstIndex(of: v)!
                let exp = rank > 0 ? sim.keys[sim.keyOrder[rank - 1]] : nil
                let expS = rank < sim.nodeCount - 1 ? sim.keys[sim.keyOrder[rank + 1]] : nil
                if r.predecessor != exp || r.successor != expS {
                    print("  \(name(r.localKey)) pred \(name(r.predecessor)) (exp \(name(exp))) succ \(name(r.successor)) (exp \(name(expS))) prev \(r.prev.map { name($0.source) } ?? "nil") destOf \(name(r.prev.flatMap { r.destOf[$0] })) valid \(r.prevValid)")
                }
            }
        }
        let watch = ["n41/", "n11/", "n97/"]
        sim.frameObserver = { t, from, to, link, frame in
            let body = Array(frame.dropFirst())
            var desc = "type \(frame[0])"
            switch frame[0] {
            case 2: if let b = try? DHTBootstrap(decoding: body) { desc = "bootstrap from \(name(b.label.key))" }
            case 3: if let a = try? DHTBootstrapAck(decoding: body) { desc = "ack for \(name(a.bootstrap.label.key)) by \(name(a.response.dest.key))" }
            case 4: if let s = try? DHTSetup(decoding: body) { desc = "setup \(name(s.token.source)) -> \(name(s.token.dest.key)) seq \(s.seq)" }
            case 5: if let d = try? DHTTeardown(decoding: body) { desc = "teardown src \(name(d.key)) seq \(d.seq)" }
            default: return
            }
            if watch.contains(where: { desc.contains($0) }) {
                print(String(format: "%.4f", t), "n\(from) -> n\(to):", desc)
            }
        }
        sim.run(until: sim.now + Double(ProcessInfo.processInfo.environment["SCRATCH_T"] ?? "0")!)
    }
}

import Foundation
import Testing
import RhizomeTestSupport

/// The `.live` trait the blocking suites use (see `LiveTrait`): their tests must run on the
/// live threads, never on the cooperative pool they would otherwise starve.
@Suite(.live, .serialized) struct LiveTraitTests {
    @Test func bodiesRunOnLiveThreads() {
        #expect(LiveThreads.isCurrentThreadLive, "ran on the cooperative pool")
    }

    /// The suite took a slot before its tests started (a recursive trait's default scope skips
    /// the suite itself, which once left every live suite running at once).
    @Test func testsRunInsideTheirSuitesSlot() {
        #expect(LiveTrait.runsInASlot)
    }

    @Test(arguments: [1, 2]) func eachCaseRunsOnALiveThread(_ n: Int) {
        #expect(LiveThreads.isCurrentThreadLive, "case \(n) ran on the cooperative pool")
    }

    @Test func aHeldSlotHoldsBackEveryWaiterUntilReleased() async {
        let slots = LiveSlots(count: 1)
        await slots.acquire()
        let order = OrderLog()
        let waiters = (0..<3).map { i in
            Task { await slots.acquire(); order.append(i); slots.release() }
        }
        // Let each waiter queue before the next starts, then free the slot.
        for _ in 0..<50 { await Task.yield(); try? await Task.sleep(nanoseconds: 2_000_000) }
        #expect(order.values.isEmpty, "a waiter got the slot while it was held")
        slots.release()
        for w in waiters { await w.value }
        #expect(order.values.sorted() == [0, 1, 2])
    }
}

private final class OrderLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Int] = []
    func append(_ i: Int) { lock.lock(); items.append(i); lock.unlock() }
    var values: [Int] { lock.lock(); defer { lock.unlock() }; return items }
}

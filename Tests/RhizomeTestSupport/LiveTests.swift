import Foundation
import Testing

/// Live tests start processes, build namespaces and wait on real time: their synchronous
/// bodies block a thread for seconds to minutes. Left on Swift's cooperative pool (one thread
/// per core, two on CI), two of them stall everything else in the run: the unit tests, the
/// runner's own bookkeeping and the tests that already started (and whose time limits run),
/// which then fail on limits they never got to use (CI, stop 17).
///
/// `.live` on a suite does two things:
/// - **A slot per suite.** At most `RHIZOME_LIVE_TESTS` live suites (default 3; they mostly
///   wait on timers, not on the CPU) run at once; the others wait for a slot *before* their
///   tests start, so the wait does not count against any test's time limit (swift-testing
///   starts a test's clock outside its scope traits, a suite's scope outside its tests').
/// - **A thread per test.** Each test case runs on a plain thread of `LiveThreads`, not on the
///   cooperative pool, which stays free for everything else.
///
/// Live suites should be `.serialized`: the slot bounds suites, not the tests inside one.
public struct LiveTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    @TaskLocal static var holdsSlot = false
    /// Whether the running test is inside its live suite's slot.
    public static var runsInASlot: Bool { holdsSlot }

    /// RHIZOME_LIVE_TRACE=1 prints when each live suite takes and frees its slot.
    static let tracing = ProcessInfo.processInfo.environment["RHIZOME_LIVE_TRACE"] == "1"
    static let start = ContinuousClock.now
    static func trace(_ line: @autoclosure () -> String) {
        if tracing { print("live +\(ContinuousClock.now - start): \(line())") }
    }

    /// Scopes the suite (its slot) and each test case (its thread). The default for a recursive
    /// suite trait skips the suite itself.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> LiveTrait? {
        test.isSuite || testCase != nil ? self : nil
    }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        if testCase != nil {
            try await withTaskExecutorPreference(LiveThreads.shared) { try await function() }
        } else if test.isSuite && !Self.holdsSlot {
            await LiveSlots.shared.acquire()
            Self.trace("slot taken by \(test.name)")
            defer { LiveSlots.shared.release(); Self.trace("slot freed by \(test.name)") }
            try await Self.$holdsSlot.withValue(true) { try await function() }
        } else {
            try await function()
        }
    }
}

extension Trait where Self == LiveTrait {
    /// Runs the suite in a live slot and its tests on their own threads (see `LiveTrait`).
    public static var live: LiveTrait { LiveTrait() }
}

/// A counting semaphore for async callers: waiters queue first come, first served.
public final class LiveSlots: @unchecked Sendable {
    public static let shared = LiveSlots(count: LiveSlots.configuredCount)

    public static var configuredCount: Int {
        let value = ProcessInfo.processInfo.environment["RHIZOME_LIVE_TESTS"].flatMap { Int($0) } ?? 3
        return min(max(value, 1), 16)
    }

    private let lock = NSLock()
    private var free: Int                                      // guarded by `lock`
    private var waiters: [CheckedContinuation<Void, Never>] = [] // guarded by `lock`

    public init(count: Int) { free = count }

    public func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if free > 0 {
                free -= 1
                lock.unlock()
                continuation.resume()
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }

    public func release() {
        lock.lock()
        if waiters.isEmpty {
            free += 1
            lock.unlock()
        } else {
            let next = waiters.removeFirst()   // the slot passes straight to the next waiter
            lock.unlock()
            next.resume()
        }
    }
}

/// A task executor of plain threads: a job goes to an idle thread, or to a new one when none
/// is idle, so a blocked test never holds up another's job. How many run at once is bounded
/// by `LiveSlots` (and `.serialized`), not here; idle threads stay for the next suite.
public final class LiveThreads: TaskExecutor, @unchecked Sendable {
    public static let shared = LiveThreads()

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []   // guarded by `condition`
    private var idle = 0                  // guarded by `condition`
    private var threads = 0               // guarded by `condition`

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        if idle > jobs.count - 1 {
            condition.signal()
        } else {
            threads += 1
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "live-test-\(threads)"
            thread.stackSize = 8 << 20
            thread.start()
        }
        condition.unlock()
    }

    private static let marker = "rhizome.live-test-thread"

    /// True on one of the live threads (Thread names are not reliable on Linux Foundation).
    public static var isCurrentThreadLive: Bool { Thread.current.threadDictionary[marker] != nil }

    private func work() {
        Thread.current.threadDictionary[Self.marker] = true
        while true {
            condition.lock()
            while jobs.isEmpty {
                idle += 1
                condition.wait()
                idle -= 1
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

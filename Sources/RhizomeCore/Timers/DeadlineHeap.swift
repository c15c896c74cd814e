/// Something kept in a table with an expiry time. `generation` tells a re-created entry from the
/// one a stale timer was scheduled for.
public protocol TimedEntry {
    var expiry: Double { get }
    var generation: UInt64 { get }
}

/// A min-heap of deadlines with lazy rescheduling, the timer of a table of `TimedEntry`s.
///
/// Invariant: every live table entry has exactly one heap entry, with the same generation and a
/// deadline no later than its real expiry. Resetting an entry's timer is therefore O(1) (just move
/// `expiry` forward); when its heap entry comes due, it is pushed again at the real expiry.
/// Entries whose table entry is gone (or was re-created) are discarded when they surface, and the
/// heap is compacted if they ever outnumber the live ones.
public struct DeadlineHeap<Key: Hashable & Sendable>: Sendable {
    public struct Entry: Sendable {
        public var deadline: Double
        public var key: Key
        public var generation: UInt64
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    public var count: Int { entries.count }
    /// Earliest scheduled deadline (never later than the earliest real expiry). Inlinable so
    /// that it is specialised where it is used: it is read on every packet, and the unspecialised
    /// generic version allocates.
    @inlinable
    public var earliest: Double? { entries.isEmpty ? nil : entries[0].deadline }

    public mutating func push(_ key: Key, deadline: Double, generation: UInt64) {
        entries.append(Entry(deadline: deadline, key: key, generation: generation))
        siftUp(entries.count - 1)
    }

    public mutating func pop() -> Entry? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let top = entries.removeLast()
        if !entries.isEmpty { siftDown(0) }
        return top
    }

    /// Removes every table entry whose expiry is `<= now`; returns them.
    public mutating func expire<V: TimedEntry>(in table: inout [Key: V], now: Double) -> [(Key, V)] {
        var removed: [(Key, V)] = []
        while let top = entries.first, top.deadline <= now {
            _ = pop()
            guard let index = table.index(forKey: top.key), table.values[index].generation == top.generation else { continue }
            let expiry = table.values[index].expiry
            if expiry <= now {
                removed.append(table.remove(at: index))
            } else {
                push(top.key, deadline: expiry, generation: top.generation)
            }
        }
        return removed
    }

    /// Removes the table entry with the earliest expiry (the least recently used one).
    public mutating func evictEarliest<V: TimedEntry>(from table: inout [Key: V]) -> (Key, V)? {
        while let top = pop() {
            guard let index = table.index(forKey: top.key), table.values[index].generation == top.generation else { continue }
            let expiry = table.values[index].expiry
            if expiry <= top.deadline { return table.remove(at: index) }
            push(top.key, deadline: expiry, generation: top.generation)
        }
        return nil
    }

    /// Drops stale entries once they are more than half the heap (amortised O(1) per removal).
    public mutating func compactIfNeeded<V: TimedEntry>(liveIn table: [Key: V]) {
        guard entries.count > 64, entries.count > 2 * table.count else { return }
        entries.removeAll { e in table[e.key].map { $0.generation != e.generation } ?? true }
        var i = entries.count / 2
        while i > 0 { i -= 1; siftDown(i) }
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].deadline < entries[parent].deadline else { return }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        let n = entries.count
        while true {
            let left = 2 * parent + 1
            guard left < n else { return }
            var smallest = left
            if left + 1 < n && entries[left + 1].deadline < entries[left].deadline { smallest = left + 1 }
            guard entries[smallest].deadline < entries[parent].deadline else { return }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
    }
}

/// The earlier of two optional deadlines (nil means "none"). Timers are read after every batch of
/// packets, so they are combined without building arrays.
@inlinable
public func earlierDeadline(_ a: Double?, _ b: Double?) -> Double? {
    switch (a, b) {
    case let (a?, b?): return min(a, b)
    case let (a, b): return a ?? b
    }
}

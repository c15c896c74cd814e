/// What a queued event does. Payload-free so the heap only moves plain values.
enum EventKind: UInt8 {
    /// A frame arrives at `node` over `link`; its bytes are in the frame slab at `slot`.
    case frame
    /// `node`'s router asked to be woken (its `nextWakeup`).
    case tick
    /// A scripted link change: `link` goes down (`slot` 0) or is re-created (`slot` 1, `link` is the
    /// topology edge to bring back).
    case linkDown
    case linkUp
}

/// One scheduled event. Ordered by (time, seq): events at the same time run in the order they
/// were scheduled, so a run is a pure function of its inputs.
struct Event {
    var time: Double
    var seq: UInt64
    var kind: EventKind
    var node: Int32
    var link: Int32
    var slot: Int32

    @inline(__always)
    static func precedes(_ a: Event, _ b: Event) -> Bool {
        a.time < b.time || (a.time == b.time && a.seq < b.seq)
    }
}

/// A binary min-heap of events keyed by (time, sequence number).
struct EventQueue {
    private(set) var storage: [Event] = []
    private var nextSeq: UInt64 = 0

    var isEmpty: Bool { storage.isEmpty }
    var count: Int { storage.count }
    var peekTime: Double? { storage.first?.time }

    init() { storage.reserveCapacity(1 << 12) }

    mutating func push(time: Double, kind: EventKind, node: Int32 = -1, link: Int32 = -1, slot: Int32 = -1) {
        nextSeq &+= 1
        storage.append(Event(time: time, seq: nextSeq, kind: kind, node: node, link: link, slot: slot))
        siftUp(storage.count - 1)
    }

    mutating func pop() -> Event? {
        guard !storage.isEmpty else { return nil }
        let top = storage[0]
        let last = storage.removeLast()
        if !storage.isEmpty {
            storage[0] = last
            siftDown(0)
        }
        return top
    }

    private mutating func siftUp(_ index: Int) {
        var i = index
        let e = storage[i]
        while i > 0 {
            let parent = (i - 1) >> 1
            if !Event.precedes(e, storage[parent]) { break }
            storage[i] = storage[parent]
            i = parent
        }
        storage[i] = e
    }

    private mutating func siftDown(_ index: Int) {
        var i = index
        let n = storage.count
        let e = storage[i]
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            var c = l
            let r = l + 1
            if r < n && Event.precedes(storage[r], storage[l]) { c = r }
            if !Event.precedes(storage[c], e) { break }
            storage[i] = storage[c]
            i = c
        }
        storage[i] = e
    }
}

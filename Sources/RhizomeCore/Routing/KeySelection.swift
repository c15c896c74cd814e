import RhizomeCrypto

/// Debug and admin answers list table entries by key. Tables keyed by remote input can hold tens
/// of thousands of entries, and the answer is built on the thread that moves packets, so answers
/// take only the first `limit` entries in key-byte order: one pass over the table with a bounded
/// max-heap (no sort of the whole table, no hex strings made to compare).
public enum KeySelection {
    /// Entries each local admin answer (getDHT, getPaths, getTree, getSessions) lists at most.
    public static let adminAnswerLimit = 16384

    /// The `limit` elements of `elements` with the smallest keys (raw byte order), sorted by key.
    public static func smallest<S: Sequence>(
        _ elements: S, limit: Int, key: (S.Element) -> PublicKey
    ) -> [S.Element] {
        guard limit > 0 else { return [] }
        // Max-heap on key: heap[0] is the largest kept, the first to go when a smaller one comes.
        var heap: [(key: PublicKey, element: S.Element)] = []
        heap.reserveCapacity(min(limit, elements.underestimatedCount))
        for e in elements {
            let k = key(e)
            if heap.count < limit {
                heap.append((k, e))
                var i = heap.count - 1
                while i > 0 {
                    let p = (i - 1) / 2
                    guard heap[p].key < heap[i].key else { break }
                    heap.swapAt(p, i)
                    i = p
                }
            } else if k < heap[0].key {
                heap[0] = (k, e)
                var i = 0
                while true {
                    let l = 2 * i + 1, r = l + 1
                    var m = i
                    if l < heap.count, heap[m].key < heap[l].key { m = l }
                    if r < heap.count, heap[m].key < heap[r].key { m = r }
                    if m == i { break }
                    heap.swapAt(i, m)
                    i = m
                }
            }
        }
        heap.sort { $0.key < $1.key }
        return heap.map(\.element)
    }
}

import RhizomeCore
import RhizomeCrypto

/// 0.5's lookup-reachability invariant over the actual tree (each node's chosen parent), toward
/// every node of the same component, in O(nodes × filter words).
///
/// A lookup for target t leaves node v for the tree neighbour on t's side (the child whose subtree
/// holds t, else the parent) only if v's filter from that neighbour holds t's 8 bits and the
/// neighbour takes lookups from v (counts v as on-tree). So every target on one side gets through
/// iff the filter holds the union of those targets' bits: for a child c, the union over c's
/// subtree ("down"); for the parent, the union over everything outside v's subtree ("up"). Both
/// are built in two passes over the tree. A node counts as wrong if any target fails, which is
/// the per-target walk's answer for every target at once.
struct LookupReachability {
    private(set) var wrong = 0
    private(set) var examples: [String] = []

    /// - Parameters:
    ///   - targetBlooms: per node, `BloomFilter05.wordCount` words: the filter holding only that
    ///     node's transformed key (what it inserts into the filters it sends).
    init(views: [SimLookupView], keys: [PublicKey], keyIndex: [PublicKey: Int], labels: [Int32],
         targetBlooms: [UInt64], maxExamples: Int = 5) {
        let n = views.count
        let w = BloomFilter05.wordCount
        var parent = [Int](repeating: -1, count: n)
        var children = [[Int]](repeating: [], count: n)
        for v in 0..<n {
            guard let p = keyIndex[views[v].parent] else { continue }
            parent[v] = p
            if p != v { children[p].append(v) }
        }
        // Preorder from each root; tin/tout bound each subtree's span of `order`.
        var order: [Int] = []
        order.reserveCapacity(n)
        var tin = [Int](repeating: -1, count: n), tout = [Int](repeating: -1, count: n)
        var treeOf = [Int](repeating: -1, count: n)
        for r in 0..<n where parent[r] == r {
            var stack: [(Int, Int)] = [(r, 0)]
            tin[r] = order.count; order.append(r); treeOf[r] = r
            while let (v, i) = stack.last {
                if i < children[v].count {
                    stack[stack.count - 1].1 += 1
                    let c = children[v][i]
                    guard tin[c] < 0 else { continue }
                    tin[c] = order.count; order.append(c); treeOf[c] = r
                    stack.append((c, 0))
                } else {
                    tout[v] = order.count
                    stack.removeLast()
                }
            }
        }
        // A component passes only if it is exactly one tree: one root, every member on it, no
        // member of another component on it (a parent across a link that is down).
        let componentCount = Int(labels.max().map { $0 + 1 } ?? 0)
        var componentSize = [Int](repeating: 0, count: componentCount)
        var rootsIn = [Int](repeating: 0, count: componentCount)
        var treeSize = [Int](repeating: 0, count: n), foreign = [Int](repeating: 0, count: n)
        for v in 0..<n {
            componentSize[Int(labels[v])] += 1
            if parent[v] == v { rootsIn[Int(labels[v])] += 1 }
            let r = treeOf[v]
            guard r >= 0 else { continue }
            treeSize[r] += 1
            if labels[r] != labels[v] { foreign[r] += 1 }
        }
        var singleTree = [Bool](repeating: false, count: componentCount)
        for r in 0..<n where parent[r] == r {
            let c = Int(labels[r])
            singleTree[c] = rootsIn[c] == 1 && treeSize[r] == componentSize[c] && foreign[r] == 0
        }
        // down[v]: v's subtree; up[v]: v's tree outside v's subtree.
        var down = [UInt64](repeating: 0, count: n * w)
        var up = [UInt64](repeating: 0, count: n * w)
        for v in order.reversed() {
            for j in 0..<w { down[v * w + j] |= targetBlooms[v * w + j] }
            let p = parent[v]
            if p != v { for j in 0..<w { down[p * w + j] |= down[v * w + j] } }
        }
        var suffix: [UInt64] = []
        for v in order where !children[v].isEmpty {
            let ch = children[v]
            suffix = [UInt64](repeating: 0, count: (ch.count + 1) * w)
            for i in stride(from: ch.count - 1, through: 0, by: -1) {
                for j in 0..<w { suffix[i * w + j] = suffix[(i + 1) * w + j] | down[ch[i] * w + j] }
            }
            var prefix = [UInt64](repeating: 0, count: w)
            for j in 0..<w { prefix[j] = up[v * w + j] | targetBlooms[v * w + j] }
            for (i, c) in ch.enumerated() {
                for j in 0..<w { up[c * w + j] = prefix[j] | suffix[(i + 1) * w + j] }
                for j in 0..<w { prefix[j] |= down[c * w + j] }
            }
        }

        func filter(_ view: SimLookupView, _ key: PublicKey) -> BloomFilter05? {
            view.onTreePeers.first { $0.key == key }?.filter
        }
        /// Whether `filter` holds every bit of `required` (node `r`'s row of `table`).
        func holds(_ filter: BloomFilter05, _ table: [UInt64], _ r: Int) -> Bool {
            guard filter.words.count == w else { return false }
            for j in 0..<w where filter.words[j] & table[r * w + j] != table[r * w + j] { return false }
            return true
        }
        for v in 0..<n {
            guard singleTree[Int(labels[v])] else {
                wrong += 1
                if examples.count < maxExamples { examples.append("node \(v): its component is not one tree") }
                continue
            }
            // The sides: each child's subtree, and (below the root) the rest of the tree.
            var sides: [(next: Int, required: [UInt64], row: Int)] = children[v].map { ($0, down, $0) }
            if parent[v] != v { sides.append((parent[v], up, v)) }
            for side in sides {
                let next = side.next
                let got = filter(views[v], keys[next])
                if let got, views[next].isOnTree(keys[v]), holds(got, side.required, side.row) { continue }
                wrong += 1
                if examples.count < maxExamples {
                    // A target on that side whose lookup stops here.
                    let members = next == parent[v]
                        ? order.filter { tin[$0] < tin[v] || tin[$0] >= tout[v] }.filter { treeOf[$0] == treeOf[v] }
                        : Array(order[tin[next]..<tout[next]])
                    let t = members.first { t in
                        guard let got, views[next].isOnTree(keys[v]) else { return true }
                        return !holds(got, targetBlooms, t)
                    }
                    examples.append("node \(v): a lookup for node \(t.map(String.init) ?? "?") does not reach node \(next)")
                }
                break
            }
        }
    }
}

extension Simulator {
    /// Per node, the filter holding only its transformed key, flattened (computed once).
    var lookupTargetBlooms: [UInt64] {
        if let cached = lookupTargetBloomCache { return cached }
        var all: [UInt64] = []
        all.reserveCapacity(nodeCount * BloomFilter05.wordCount)
        for key in keys {
            var b = BloomFilter05.empty
            b.insert(KeyTransform05.subnetKey(key))
            all.append(contentsOf: b.words)
        }
        lookupTargetBloomCache = all
        return all
    }
}

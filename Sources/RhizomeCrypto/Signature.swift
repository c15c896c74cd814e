/// A 64-byte ed25519 signature, held inline (no heap) as eight words in wire order.
public struct Signature: Hashable, Sendable {
    public static let byteCount = 64
    public var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    public init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 64 else { return nil }
        words = (0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<64]))
        }
    }

    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        guard bytes.count == 64 else { return nil }
        let array = Array(bytes)
        guard let s = array.withUnsafeBytes({ Signature(bytes: $0) }) else { return nil }
        self = s
    }

    public var bytes: [UInt8] {
        Swift.withUnsafeBytes(of: words) { Array($0) }
    }

    public func append(to out: inout [UInt8]) {
        Swift.withUnsafeBytes(of: words) { out.append(contentsOf: $0) }
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words, body)
    }

    public static func == (a: Signature, b: Signature) -> Bool {
        a.withUnsafeBytes { x in b.withUnsafeBytes { y in x.elementsEqual(y) } }
    }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}

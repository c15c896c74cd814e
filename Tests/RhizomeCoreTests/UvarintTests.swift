import Testing
import RhizomeCrypto
@testable import RhizomeCore

@Suite struct UvarintTests {
    /// Values and encodings from routing.md §2.1/§7 and Go's PutUvarint.
    static let known: [(UInt64, [UInt8])] = [
        (0, [0x00]),
        (1, [0x01]),
        (127, [0x7f]),
        (128, [0x80, 0x01]),
        (137, [0x89, 0x01]),
        (232, [0xe8, 0x01]),
        (233, [0xe9, 0x01]),
        (16383, [0xff, 0x7f]),
        (16384, [0x80, 0x80, 0x01]),
        (1 << 63, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
        (UInt64.max, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
    ]

    @Test func encodesMinimally() {
        for (value, bytes) in Self.known {
            #expect(Uvarint.encode(value) == bytes, "encode \(value)")
            #expect(Uvarint.encodedLength(value) == bytes.count, "length \(value)")
        }
    }

    @Test func decodesKnownValues() throws {
        for (value, bytes) in Self.known {
            let (decoded, length) = try Uvarint.decode(bytes)
            #expect(decoded == value)
            #expect(length == bytes.count)
        }
    }

    @Test func decodesAtAnOffsetAndStopsAtTheEnd() throws {
        let bytes: [UInt8] = [0xaa, 0x89, 0x01, 0x05]
        let (value, length) = try bytes.withUnsafeBytes { try Uvarint.decode($0, at: 1) }
        #expect(value == 137)
        #expect(length == 2)
    }

    @Test func roundTripsPseudoRandomValues() throws {
        var random = SeededRandom(seed: 7)
        for _ in 0..<2000 {
            let shift = random.nextWord() % 64
            let value = random.nextWord() >> shift
            let bytes = Uvarint.encode(value)
            #expect(bytes.count == Uvarint.encodedLength(value))
            let (decoded, length) = try Uvarint.decode(bytes + [0x55])
            #expect(decoded == value)
            #expect(length == bytes.count)
        }
    }

    @Test func rejectsTruncatedInput() {
        for bytes: [UInt8] in [[], [0x80], [0xff, 0xff], [UInt8](repeating: 0xff, count: 9)] {
            #expect(throws: WireError.uvarintTruncated, "\(bytes)") { try Uvarint.decode(bytes) }
        }
    }

    @Test func rejectsOverflow() {
        // The 10th byte may only carry the 64th bit.
        #expect(throws: WireError.uvarintOverflow) {
            try Uvarint.decode([UInt8](repeating: 0xff, count: 9) + [0x02])
        }
        // More than 10 bytes.
        #expect(throws: WireError.uvarintOverflow) {
            try Uvarint.decode([UInt8](repeating: 0x80, count: 10) + [0x00])
        }
        #expect(throws: WireError.uvarintOverflow) {
            try Uvarint.decode([UInt8](repeating: 0xff, count: 11))
        }
    }

    /// Go's reader accepts redundant continuation groups; so do we (re-encoding is minimal).
    @Test func acceptsNonMinimalEncodingsLikeGo() throws {
        let (one, length) = try Uvarint.decode([0x81, 0x00])
        #expect(one == 1)
        #expect(length == 2)
        let (zero, zeroLength) = try Uvarint.decode([0x80, 0x80, 0x00])
        #expect(zero == 0)
        #expect(zeroLength == 3)
    }
}

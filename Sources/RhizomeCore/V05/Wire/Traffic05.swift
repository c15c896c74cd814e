import RhizomeCrypto

/// Type 9 (`wireTraffic`, routing.md §3.9): routed greedily by tree distance to `path`. No kind
/// byte; the payload is the rest of the frame (possibly empty). Relays change only the watermark.
public struct Traffic05: WireMessage05, Hashable, Sendable {
    public static let wireType = WireType05.traffic

    /// The destination's coordinates (from its notify).
    public var path: [PeerPort]
    /// The sender's coordinates at sending time (where a broken goes).
    public var from: [PeerPort]
    public var source: PublicKey
    public var dest: PublicKey
    /// The sending hop's tree distance to `path`.
    public var watermark: UInt64
    public var payload: [UInt8]

    public init(
        path: [PeerPort], from: [PeerPort], source: PublicKey, dest: PublicKey, watermark: UInt64,
        payload: [UInt8]
    ) {
        self.path = path
        self.from = from
        self.source = source
        self.dest = dest
        self.watermark = watermark
        self.payload = payload
    }

    public init(from reader: inout WireReader) throws(WireError) {
        path = try Coords05.read(&reader)
        from = try Coords05.read(&reader)
        source = try reader.readKey()
        dest = try reader.readKey()
        watermark = try reader.readUvarint()
        payload = Array(reader.readRest())
    }

    public func encode(into out: inout [UInt8]) {
        Coords05.append(path, to: &out)
        Coords05.append(from, to: &out)
        source.append(to: &out)
        dest.append(to: &out)
        Uvarint.encode(watermark, into: &out)
        out.append(contentsOf: payload)
    }

    /// Header bytes before the payload: for sizing a send buffer.
    public static func headerLength(path: [PeerPort], from: [PeerPort], watermark: UInt64) -> Int {
        Coords05.encodedLength(path) + Coords05.encodedLength(from) + 2 * PublicKey.byteCount
            + Uvarint.encodedLength(watermark)
    }
}

/// A traffic body parsed without allocation, for the data path. Ranges are offsets into the body
/// passed to `parse`, so a relay can rewrite the watermark or hand on the payload in place.
public struct Traffic05Header: Hashable, Sendable {
    /// The destination coordinates' bytes, terminator included (feed to `Coords05.distance(wire:_:)`).
    public let pathRange: Range<Int>
    /// The sender coordinates' bytes, terminator included.
    public let fromRange: Range<Int>
    public let source: PublicKey
    public let dest: PublicKey
    public let watermark: UInt64
    public let watermarkRange: Range<Int>
    /// Everything after the watermark, to the end of the body.
    public let payloadRange: Range<Int>

    public init(
        pathRange: Range<Int>, fromRange: Range<Int>, source: PublicKey, dest: PublicKey,
        watermark: UInt64, watermarkRange: Range<Int>, payloadRange: Range<Int>
    ) {
        self.pathRange = pathRange
        self.fromRange = fromRange
        self.source = source
        self.dest = dest
        self.watermark = watermark
        self.watermarkRange = watermarkRange
        self.payloadRange = payloadRange
    }

    /// Accepts exactly the bodies `Traffic05(decoding:)` accepts.
    public static func parse(_ body: UnsafeRawBufferPointer) throws(WireError) -> Traffic05Header {
        var reader = WireReader(body)
        let pathRange = try Coords05.skip(&reader)
        let fromRange = try Coords05.skip(&reader)
        let source = try reader.readKey()
        let dest = try reader.readKey()
        let wmStart = reader.offset
        let watermark = try reader.readUvarint()
        let wmEnd = reader.offset
        return Traffic05Header(
            pathRange: pathRange, fromRange: fromRange, source: source, dest: dest,
            watermark: watermark, watermarkRange: wmStart..<wmEnd, payloadRange: wmEnd..<body.count)
    }
}

import NIOCore
import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6
import RhizomeNodeCore

/// Yggdrasil's in-band protocol messages (session payloads starting 0x02): NodeInfo and the
/// remote debug requests (getSelf, getPeers, and getDHT in 0.4 / getTree in 0.5 — the same type
/// bytes), answered for anyone within a budget (`ProtoAnswerBudget`), and asked on behalf of
/// the admin API with a 6 s wait. At most one request per (kind, key) is outstanding; a newer one
/// replaces it, as in 0.4.7.
final class ProtoHandler {
    enum Kind: UInt8 { case nodeInfo = 1, debugSelf = 0x11, debugPeers = 0x13, debugTable = 0x15 }

    static let typeProtocol = SessionDataType.protocolMessage
    static let nodeInfoRequest: UInt8 = 0x01
    static let nodeInfoResponse: UInt8 = 0x02
    static let debug: UInt8 = 0xFF
    static let debugSelfRequest: UInt8 = 0x01, debugSelfResponse: UInt8 = 0x02
    static let debugPeersRequest: UInt8 = 0x03, debugPeersResponse: UInt8 = 0x04
    static let debugTableRequest: UInt8 = 0x05, debugTableResponse: UInt8 = 0x06
    /// How long the admin API waits for a remote answer.
    static let timeout = TimeAmount.seconds(6)
    /// Largest session payload: keys in getPeers/getDHT/getTree answers stop before this.
    let maxPayload: Int
    /// Outstanding remote requests at most (each waits at most `timeout`).
    static let maxPending = 4096

    let eventLoop: EventLoop
    /// The document served; replaced by a reload.
    var nodeInfo: [UInt8]
    /// Sends a session payload (core type byte included) to a key.
    var sendToKey: (PublicKey, [UInt8]) -> Void = { _, _ in }
    /// Reads the router's state for debug answers: the getSelf document (0.4: coords and key; 0.5:
    /// key and routing entries), peer keys, and the DHT (0.4) or tree (0.5) keys.
    var selfDocument: () -> JSONValue = { .object(JSONObject()) }
    var peerKeys: () -> [PublicKey] = { [] }
    /// The table's keys: at most the given count, the smallest in key-byte order.
    var tableKeys: (Int) -> [PublicKey] = { _ in [] }
    let localKey: PublicKey
    /// What answers to remote requests may cost, per asking key and in all.
    private(set) var answers = ProtoAnswerBudget()
    /// Monotonic seconds; tests may replace it.
    var clock: () -> Double = { Double(NIODeadline.now().uptimeNanoseconds) / 1e9 }
    private var pending: [Pending: EventLoopPromise<[UInt8]>] = [:]

    struct Pending: Hashable { var kind: Kind; var key: PublicKey }

    init(eventLoop: EventLoop, localKey: PublicKey, nodeInfo: String, maxPayload: Int) {
        self.eventLoop = eventLoop
        self.maxPayload = maxPayload
        self.localKey = localKey
        self.nodeInfo = Array(nodeInfo.utf8)
    }

    /// A payload whose first byte is 0x02 arrived from `from`. Requests are answered within
    /// `answers` (`ProtoAnswerBudget`), charged before the answer is built; the rest go unanswered.
    func handle(_ data: [UInt8], from: PublicKey) {
        guard data.count >= 2, data[0] == Self.typeProtocol else { return }
        switch data[1] {
        case Self.nodeInfoRequest:
            guard answers.allow(from, bytes: 2 + nodeInfo.count, now: clock()) else { return }
            sendToKey(from, [Self.typeProtocol, Self.nodeInfoResponse] + nodeInfo)
        case Self.nodeInfoResponse:
            complete(.nodeInfo, from, Array(data[2...]))
        case Self.debug where data.count >= 3:
            switch data[2] {
            case Self.debugSelfRequest:
                guard answers.allow(from, bytes: 0, now: clock()) else { return }
                let json = JSONWriter.write(selfDocument(), indent: nil)
                sendToKey(from, [Self.typeProtocol, Self.debug, Self.debugSelfResponse] + Array(json.utf8))
            case Self.debugPeersRequest:
                let keys = peerKeys()
                guard answers.allow(from, bytes: min(maxPayload, 3 + 32 * keys.count), now: clock()) else { return }
                sendToKey(from, [Self.typeProtocol, Self.debug, Self.debugPeersResponse] + packKeys(keys))
            case Self.debugTableRequest:
                // Charged at its largest: selecting the keys is the work being budgeted. Only as
                // many keys as one answer carries are selected (the table can hold 65,536).
                guard answers.allow(from, bytes: maxPayload, now: clock()) else { return }
                sendToKey(from, [Self.typeProtocol, Self.debug, Self.debugTableResponse] + packKeys(tableKeys(maxKeysPerAnswer)))
            case Self.debugSelfResponse: complete(.debugSelf, from, Array(data[3...]))
            case Self.debugPeersResponse: complete(.debugPeers, from, Array(data[3...]))
            case Self.debugTableResponse: complete(.debugTable, from, Array(data[3...]))
            default: break
            }
        default:
            break
        }
    }

    /// Keys one getPeers/getDHT/getTree answer carries at most: what fits `maxPayload` after the
    /// three type bytes (0.4: 1,657; 0.5: 2,047). Answers list the smallest keys, in byte order.
    var maxKeysPerAnswer: Int { max(0, (maxPayload - 3) / 32) }

    func packKeys(_ keys: [PublicKey]) -> [UInt8] {
        var out: [UInt8] = []
        for k in keys where out.count + 32 + 3 <= maxPayload { k.append(to: &out) }
        return out
    }

    private func complete(_ kind: Kind, _ from: PublicKey, _ body: [UInt8]) {
        pending.removeValue(forKey: Pending(kind: kind, key: from))?.succeed(body)
    }

    /// Asks `key` and waits for the answer body (bytes after the response type).
    func request(_ kind: Kind, to key: PublicKey) -> EventLoopFuture<[UInt8]> {
        let id = Pending(kind: kind, key: key)
        if pending.count >= Self.maxPending, pending[id] == nil {
            return eventLoop.makeFailedFuture(AdminError(message: "too many outstanding remote requests"))
        }
        let promise = eventLoop.makePromise(of: [UInt8].self)
        pending.removeValue(forKey: id)?.fail(AdminError(message: "superseded by a newer request"))
        pending[id] = promise
        let payload: [UInt8]
        switch kind {
        case .nodeInfo: payload = [Self.typeProtocol, Self.nodeInfoRequest]
        case .debugSelf: payload = [Self.typeProtocol, Self.debug, Self.debugSelfRequest]
        case .debugPeers: payload = [Self.typeProtocol, Self.debug, Self.debugPeersRequest]
        case .debugTable: payload = [Self.typeProtocol, Self.debug, Self.debugTableRequest]
        }
        sendToKey(key, payload)
        eventLoop.scheduleTask(in: Self.timeout) { [weak self] in
            guard let self, let p = self.pending[id], p.futureResult === promise.futureResult else { return }
            self.pending[id] = nil
            p.fail(AdminError(message: kind == .nodeInfo ? "Timed out waiting for response" : "timeout"))
        }
        return promise.futureResult
    }
}

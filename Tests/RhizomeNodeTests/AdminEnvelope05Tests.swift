import Logging
import NIOCore
import NIOEmbedded
import Testing
import RhizomeCore
@testable import RhizomeNode

/// The 0.5.12 admin envelope (node-sessions-admin.md §9.2–§9.4) without sockets: replies are
/// compared byte for byte with the ones captured from yggdrasil 0.5.12 (vectors/node-admin.json,
/// `raw`), and the 0.4 envelope is checked to be unchanged.
@Suite struct AdminEnvelope05Tests {
    static let getTunResponse = JSONValue.object(JSONObject([("enabled", .bool(true)), ("name", .string("v5nB")), ("mtu", .int(65535))]))

    /// A server with 0.5.12's getTun and getSelf request types, answering fixed documents.
    static func server(_ version: ProtocolVersion) -> AdminServer {
        let s = AdminServer(eventLoop: EmbeddedEventLoop(), log: Logger(label: "test"))
        s.version = version
        s.register("getTun", "Show information about the node's TUN interface", goType: "tun.GetTUNRequest") { _ in getTunResponse }
        s.register("getSelf", "Show details about this node", goType: "admin.GetSelfRequest") { _ in .object(JSONObject()) }
        s.register("addPeer", "Add a peer to the peer list", fields: ["uri", "interface"], goType: "admin.AddPeerRequest") { args in
            .object(JSONObject([("seen", .object(args))]))
        }
        return s
    }

    /// The reply text (as written to the socket) and whether the connection stays open.
    static func ask(_ s: AdminServer, _ request: String) -> (String, Bool) {
        var out: (String, Bool)?
        s.handle(requestBytes: Array(request.utf8)).whenSuccess { out = (JSONWriter.write($0.0) + "\n", $0.1) }
        return out ?? ("<no reply>", false)
    }

    // Captured from yggdrasil 0.5.12 (vectors/node-admin.json, "raw"; the capture added a final newline).
    static let captured: [(sent: String, received: String)] = [
        (#"{"request":"getTun","keepalive":true}"#,
         "{\n  \"status\": \"success\",\n  \"request\": {\n    \"request\": \"getTun\",\n    \"arguments\": {},\n    \"keepalive\": true\n  },\n  \"response\": {\n    \"enabled\": true,\n    \"name\": \"v5nB\",\n    \"mtu\": 65535\n  }\n}\n"),
        (#"{"request":"nosuch"}"#,
         "{\n  \"status\": \"error\",\n  \"error\": \"Unknown action 'nosuch', try 'list' for help\",\n  \"request\": {\n    \"request\": \"nosuch\",\n    \"arguments\": {}\n  },\n  \"response\": null\n}\n"),
        (#"{"arguments":{}}"#,
         "{\n  \"status\": \"error\",\n  \"error\": \"No request specified\",\n  \"request\": {\n    \"request\": \"\",\n    \"arguments\": {}\n  },\n  \"response\": null\n}\n"),
        (#"{"request":"getSelf","arguments":[1]}"#,
         "{\n  \"status\": \"error\",\n  \"error\": \"json: cannot unmarshal array into Go value of type admin.GetSelfRequest\",\n  \"request\": {\n    \"request\": \"getSelf\",\n    \"arguments\": [\n      1\n    ]\n  },\n  \"response\": null\n}\n"),
        ("[1,2]",
         "{\n  \"status\": \"error\",\n  \"error\": \"Failed to unmarshal request\",\n  \"request\": {\n    \"request\": \"\"\n  },\n  \"response\": null\n}\n"),
    ]

    @Test(arguments: captured.indices)
    func repliesMatchYggdrasil0512(index: Int) {
        let (sent, expected) = Self.captured[index]
        #expect(Self.ask(Self.server(.v05), sent).0 == expected)
    }

    @Test func keepaliveAndUnknownMembers() {
        let s = Self.server(.v05)
        #expect(Self.ask(s, #"{"request":"getTun","keepalive":true}"#).1 == true)
        #expect(Self.ask(s, #"{"request":"getTun"}"#).1 == false)
        // Unknown top-level members are ignored; member names match case-insensitively as in Go.
        let (reply, _) = Self.ask(s, #"{"Request":"GETTUN","foo":1}"#)
        #expect(reply.contains("\"status\": \"success\"") && reply.contains("\"request\": \"GETTUN\""), "\(reply)")
        // A non-string request name is an unmarshal error with the empty echo.
        #expect(Self.ask(s, #"{"request":5}"#).0.contains("Failed to unmarshal request"))
    }

    @Test func argumentFieldTypesAreCheckedAsGoDoes() {
        let s = Self.server(.v05)
        let (bad, _) = Self.ask(s, #"{"request":"addPeer","arguments":{"uri":5}}"#)
        #expect(bad.contains("json: cannot unmarshal number into Go struct field AddPeerRequest.uri of type string"), "\(bad)")
        let (good, _) = Self.ask(s, #"{"request":"addPeer","arguments":{"URI":"tcp://h:1","other":true}}"#)
        #expect(good.contains("\"seen\": {\n      \"uri\": \"tcp://h:1\"\n    }"), "\(good)")
        #expect(Self.ask(s, #"{"request":"addPeer","arguments":"x"}"#).0.contains("cannot unmarshal string into Go value of type admin.AddPeerRequest"))
    }

    @Test func incompleteRequestReply() {
        let expected = "{\n  \"status\": \"error\",\n  \"error\": \"Failed to find request\",\n  \"request\": {\n    \"request\": \"\"\n  },\n  \"response\": null\n}"
        #expect(JSONWriter.write(Self.server(.v05).incompleteRequestReply) == expected)
    }

    @Test func version04EnvelopeIsUnchanged() {
        let s = Self.server(.v04)
        #expect(Self.ask(s, #"{"request":"getTun"}"#).0 ==
                "{\n  \"status\": \"success\",\n  \"request\": null,\n  \"response\": {\n    \"enabled\": true,\n    \"name\": \"v5nB\",\n    \"mtu\": 65535\n  }\n}\n")
        #expect(Self.ask(s, #"{"request":"nosuch"}"#).0 ==
                "{\n  \"status\": \"error\",\n  \"error\": \"Unknown action 'nosuch', try 'list' for help\",\n  \"request\": null,\n  \"response\": null\n}\n")
    }

    @Test func goHexErrors() {
        #expect(GoHex.decode("zz").failureMessage == "encoding/hex: invalid byte: U+007A 'z'")
        #expect(GoHex.decode("abc").failureMessage == "encoding/hex: odd length hex string")
        #expect(GoHex.decode("00ff").successValue == [0x00, 0xff])
    }

    @Test func addPeerOptionErrorTexts() {
        #expect(Daemon.optionError05(parseReason("tcp://h:1?priority=300")) == "priority value is invalid")
        #expect(Daemon.optionError05(parseReason("tcp://h:1?key=zz")) == "pinned public key is invalid")
        #expect(Daemon.optionError05(parseReason("tcp://h:1?maxbackoff=10s")) == "max backoff duration invalid")
        #expect(Daemon.optionError05("unexpected path \"/x\"") == nil)
    }

    func parseReason(_ uri: String) -> String {
        do { _ = try PeerURI(uri); return "" } catch let e as PeerURI.ParseError { return e.reason } catch { return "\(error)" }
    }
}

extension Result {
    var successValue: Success? { if case .success(let v) = self { return v }; return nil }
}

extension Result where Failure == AdminError {
    var failureMessage: String? { if case .failure(let e) = self { return e.message }; return nil }
}

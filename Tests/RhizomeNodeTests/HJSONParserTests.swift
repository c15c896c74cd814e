import Testing
@testable import RhizomeNode

@Suite struct HJSONParserTests {
    func parse(_ s: String) throws -> JSONValue { try HJSONParser.parse(s) }
    func obj(_ entries: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(entries.map { ($0.0, $0.1) })) }

    @Test func plainJSON() throws {
        let v = try HJSONParser.parse(#"{"a": [1, -2.5e3, true, false, null], "b": {"c": "d\n\u00e9\ud83d\ude00"}}"#, strict: true)
        #expect(v == obj([("a", .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null])),
                          ("b", obj([("c", .string("d\né😀"))]))]))
    }

    @Test func strictJSONRejectsHJSONForms() {
        #expect(throws: JSONParseError.self) { try HJSONParser.parse("{a: 1}", strict: true) }
        #expect(throws: JSONParseError.self) { try HJSONParser.parse(#"{"a": 1,}"#, strict: true) }
        #expect(throws: JSONParseError.self) { try HJSONParser.parse(#"{"a": 1 "b": 2}"#, strict: true) }
        #expect(throws: JSONParseError.self) { try HJSONParser.parse("{\"a\": 01}", strict: true) }
        #expect(throws: JSONParseError.self) { try HJSONParser.parse("", strict: true) }
    }

    @Test func quotelessKeysValuesCommentsAndNoCommas() throws {
        let text = """
        # a comment
        {
          // another
          Peers: []
          /* block
             comment */
          AdminListen: unix:///var/run/yggdrasil/yggdrasil.sock
          Regex: .* # not a comment inside a quoteless string
          IfMTU: 1e3
          Port: 0 # comment after a number
          Name: 5 apples
          Flag: true,
          List: [1, 2, "x"]
        }
        """
        let v = try parse(text)
        #expect(v == obj([
            ("Peers", .array([])),
            ("AdminListen", .string("unix:///var/run/yggdrasil/yggdrasil.sock")),
            ("Regex", .string(".* # not a comment inside a quoteless string")),
            ("IfMTU", .number("1e3")),
            ("Port", .number("0")),
            ("Name", .string("5 apples")),
            ("Flag", .bool(true)),
            ("List", .array([.number("1"), .number("2"), .string("x")])),
        ]))
    }

    @Test func rootBracesAreOptionalAndEmptyInputIsAnEmptyObject() throws {
        #expect(try parse("a: 1\nb: x y") == obj([("a", .number("1")), ("b", .string("x y"))]))
        #expect(try parse("") == .object(JSONObject()))
        #expect(try parse("  # only a comment\n") == .object(JSONObject()))
    }

    @Test func multilineAndSingleQuotedStrings() throws {
        let text = "{\n  a: '''\n    line one\n      indented\n    '''\n  b: 'it\\'s'\n}"
        #expect(try parse(text) == obj([("a", .string("line one\n indented")), ("b", .string("it's"))]))
    }

    @Test func errorsCarryLineAndColumn() {
        do {
            _ = try parse("{\n  a: 1\n  b 2\n}")
            Issue.record("expected an error")
        } catch let e as JSONParseError {
            #expect(e.line == 3)
            #expect(e.message.contains("b"))
        } catch { Issue.record("wrong error \(error)") }
    }

    @Test func valuesOnOneLineNeedQuotes() {
        // As in 0.4.7 (hjson-go): an unquoted value runs to the end of the line.
        #expect(throws: JSONParseError.self) { try parse("{IfName: none, AdminListen: none}") }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParseError.self) { try HJSONParser.parse(deep, strict: true) }
        #expect(throws: JSONParseError.self) { try parse("{a: " + deep + "}") }
    }

    @Test func garbageNeverCrashes() {
        var rng = SplitMix(seed: 1)
        let alphabet = Array("{}[],:\"'#/*\\ \n\tabc01-e.truefalsnul")
        for _ in 0..<3000 {
            let n = Int(rng.next() % 40)
            let s = String((0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            _ = try? HJSONParser.parse(s)
            _ = try? HJSONParser.parse(s, strict: true)
        }
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

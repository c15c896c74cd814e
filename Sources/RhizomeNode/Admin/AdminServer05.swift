import NIOCore

/// yggdrasil 0.5.12's admin envelope (spec node-sessions-admin.md §9.2, §9.3): the reply echoes
/// the parsed request, and requests are read the way Go's `encoding/json` reads them (member
/// names match case-insensitively, unknown members are ignored, a type mismatch is an error with
/// Go's text), so scripts written against 0.5.12 see the same replies.
extension AdminServer {
    /// The echo when the request could not be decoded at all: `{"request": ""}`.
    static let emptyEcho = JSONObject([("request", .string(""))])

    static func envelope05(response: JSONValue, echo: JSONObject) -> JSONValue {
        .object(JSONObject([("status", .string("success")), ("request", .object(echo)), ("response", response)]))
    }

    static func envelope05(error: String, echo: JSONObject) -> JSONValue {
        .object(JSONObject([("status", .string("error")), ("error", .string(error)), ("request", .object(echo)), ("response", .null)]))
    }

    /// A member as Go's decoder finds it: the exact name, else the last case-insensitive match.
    static func goMember(_ o: JSONObject, _ name: String) -> JSONValue? {
        if let v = o[name] { return v }
        return o.entries.last { $0.key.lowercased() == name }?.value
    }

    func handle05(requestBytes: [UInt8]) -> EventLoopFuture<(JSONValue, Bool)> {
        func done(_ reply: JSONValue, _ keep: Bool) -> EventLoopFuture<(JSONValue, Bool)> {
            eventLoop.makeSucceededFuture((reply, keep))
        }
        guard let text = String(validating: requestBytes, as: UTF8.self),
              let value = try? HJSONParser.parse(text, strict: true) else {
            return done(Self.envelope05(error: "Failed to find request", echo: Self.emptyEcho), false)
        }
        guard case .object(let req) = value else {
            return done(Self.envelope05(error: "Failed to unmarshal request", echo: Self.emptyEcho), false)
        }
        let nameValue = Self.goMember(req, "request")
        let argsValue = Self.goMember(req, "arguments")
        let keepValue = Self.goMember(req, "keepalive")
        // Go keeps decoding after a type mismatch, so a valid keepalive still holds the connection.
        let keepalive = keepValue?.boolValue ?? false
        let nameOK: Bool = switch nameValue { case nil, .some(.null), .some(.string): true; default: false }
        let keepOK: Bool = switch keepValue { case nil, .some(.null), .some(.bool): true; default: false }
        guard nameOK, keepOK else {
            return done(Self.envelope05(error: "Failed to unmarshal request", echo: Self.emptyEcho), keepalive)
        }
        var name = ""
        if case .string(let s)? = nameValue { name = s }
        var echo = JSONObject([("request", .string(name)), ("arguments", argsValue ?? .object(JSONObject()))])
        if keepalive { echo["keepalive"] = .bool(true) }

        guard !name.isEmpty else { return done(Self.envelope05(error: "No request specified", echo: echo), keepalive) }
        guard let command = commands[name.lowercased()] else {
            return done(Self.envelope05(error: "Unknown action '\(name.lowercased())', try 'list' for help", echo: echo), keepalive)
        }
        let args: JSONObject
        switch Self.decodeArguments05(argsValue, command: command) {
        case .success(let a): args = a
        case .failure(let e): return done(Self.envelope05(error: e.message, echo: echo), keepalive)
        }
        return command.handler(args).map { (Self.envelope05(response: $0, echo: echo), keepalive) }
            .flatMapErrorThrowing { error in (Self.envelope05(error: "\(error)", echo: echo), keepalive) }
    }

    /// The arguments object as the command's Go request type would take it: a non-object is
    /// refused with `encoding/json`'s text, each declared field is found case-insensitively and
    /// must be a string (all 0.5.12 request fields are strings).
    static func decodeArguments05(_ value: JSONValue?, command: AdminCommand) -> Result<JSONObject, AdminError> {
        var given = JSONObject()
        switch value {
        case nil, .some(.null): return .success(given)
        case .some(.object(let o)): given = o
        case .some(let other):
            guard let goType = command.goRequestType else {
                return .failure(AdminError(message: "arguments must be an object, found \(other.typeName)"))
            }
            return .failure(AdminError(message: "json: cannot unmarshal \(goKind(other)) into Go value of type \(goType)"))
        }
        guard let goType = command.goRequestType else { return .success(given) }
        var args = JSONObject()
        for field in command.fields {
            switch goMember(given, field) {
            case nil, .some(.null): break
            case .some(.string(let s)): args[field] = .string(s)
            case .some(let other):
                let structName = goType.split(separator: ".").last.map(String.init) ?? goType
                return .failure(AdminError(message: "json: cannot unmarshal \(goKind(other)) into Go struct field \(structName).\(field) of type string"))
            }
        }
        return .success(args)
    }

    /// `encoding/json`'s name for a JSON value's kind in type errors.
    static func goKind(_ v: JSONValue) -> String {
        switch v {
        case .null: "null"
        case .bool: "bool"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// Go's `encoding/hex.DecodeString`, with its error texts (0.5.12 passes them to the admin reply).
enum GoHex {
    static func decode(_ text: String) -> Result<[UInt8], AdminError> {
        let src = Array(text.utf8)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        var j = 1
        while j < src.count {
            guard let hi = nibble(src[j - 1]) else { return .failure(invalid(src[j - 1])) }
            guard let lo = nibble(src[j]) else { return .failure(invalid(src[j])) }
            out.append(hi << 4 | lo)
            j += 2
        }
        if src.count % 2 == 1 {
            if nibble(src[j - 1]) == nil { return .failure(invalid(src[j - 1])) }
            return .failure(AdminError(message: "encoding/hex: odd length hex string"))
        }
        return .success(out)
    }

    /// `InvalidByteError`: the byte as a code point, `%#U` (quoted when printable).
    static func invalid(_ b: UInt8) -> AdminError {
        let code = "U+" + String(b, radix: 16, uppercase: true).leftPadded(to: 4)
        let printable = (0x20...0x7e).contains(b) || (0xa1...0xff).contains(b) && b != 0xad
        let shown = printable ? " '\(Character(Unicode.Scalar(b)))'" : ""
        return AdminError(message: "encoding/hex: invalid byte: \(code)\(shown)")
    }
}

private extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

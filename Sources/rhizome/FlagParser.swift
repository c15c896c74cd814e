/// What the command line asks for.
enum CommandLineOutcome {
    case run(RhizomeCommand)
    case help
    /// The whole message for stderr; the exit status is 2.
    case usageError(String)
}

/// Parses the arguments `goStyleArguments()` leaves. It replaces swift-argument-parser, which
/// loaded FoundationEssentials into the daemon (3 MiB of idle resident memory, and it kept the
/// Swift runtime from being linked statically), and keeps that parser's decisions and wording:
/// an invalid or unknown option, a missing value and a value given to a boolean are errors;
/// otherwise `-h`, `-help` or `--help` anywhere asks for help; leftover words are unexpected.
enum FlagParser {
    private enum Name: Equatable {
        case short(Character)
        case long(String)
        case singleDashLong(String)

        var synopsis: String {
            switch self {
            case .short(let c): return "-\(c)"
            case .long(let n): return "--\(n)"
            case .singleDashLong(let n): return "-\(n)"
            }
        }
    }

    /// One argument, or one letter of a single-dash word (`-help` may also be `-h -e -l -p`).
    /// `value` is a plain word's text or an option's `=value`.
    private struct Element {
        let input: Int
        let isLetter: Bool
        let name: Name?
        let value: String?

        var isValue: Bool { name == nil }
    }

    private struct Failure: Error {
        let message: String
        var help: String? = nil
    }

    static func parse(_ arguments: [String]) -> CommandLineOutcome {
        do {
            return try decide(elements(arguments))
        } catch {
            let help = error.help.map { "Help:  \($0)\n" } ?? ""
            return .usageError("Error: \(error.message)\n\(help)Usage: \(HelpText.usage)\n  See 'rhizome --help' for more information.")
        }
    }

    /// Splits the words: one dash is a long name or a single letter, two dashes a long name,
    /// more is invalid, and everything after a bare `--` (which the Go-style pass already
    /// refuses) is a value.
    private static func elements(_ arguments: [String]) throws(Failure) -> [Element] {
        var out: [Element] = []
        var terminated = false
        for (i, arg) in arguments.enumerated() {
            let dashes = arg.prefix { $0 == "-" }.count
            let rest = arg.dropFirst(dashes)
            if terminated || dashes == 0 || (rest.isEmpty && dashes == 1) {
                out.append(Element(input: i, isLetter: false, name: nil, value: arg))
                continue
            }
            if rest.isEmpty && dashes == 2 {
                terminated = true
                continue
            }
            guard dashes <= 2 else { throw Failure(message: "Invalid option: \(arg)") }
            let (base, value) = splitValue(rest)
            if dashes == 2 {
                // `--name=` counts as `--name`.
                out.append(Element(input: i, isLetter: false, name: .long(String(base)), value: value?.isEmpty == false ? value : nil))
                continue
            }
            if let value {
                guard !base.isEmpty else { throw Failure(message: "Invalid option: -\(rest)") }
                let name: Name = base.count == 1 ? .short(base.first!) : .singleDashLong(String(base))
                out.append(Element(input: i, isLetter: false, name: name, value: value))
                continue
            }
            if rest.count == 1 {
                out.append(Element(input: i, isLetter: false, name: .short(rest.first!), value: nil))
                continue
            }
            out.append(Element(input: i, isLetter: false, name: .singleDashLong(String(rest)), value: nil))
            for c in rest { out.append(Element(input: i, isLetter: true, name: .short(c), value: nil)) }
        }
        return out
    }

    /// `name=value` → (name, value); `--name=` has no value, `-name=` an empty one.
    private static func splitValue(_ s: Substring) -> (Substring, String?) {
        guard let eq = s.firstIndex(of: "=") else { return (s, nil) }
        return (s[..<eq], String(s[s.index(after: eq)...]))
    }

    private static func decide(_ elements: [Element]) throws(Failure) -> CommandLineOutcome {
        var command = RhizomeCommand()
        var used = Set<Int>()
        for (position, e) in elements.enumerated() where !e.isLetter && !used.contains(e.input) {
            guard let name = e.name, let flag = flag(named: name) else { continue }
            guard let valueName = flag.valueName else {
                if let attached = e.value {
                    throw Failure(message: "The option '\(name.synopsis)' does not take any value, but '\(attached)' was specified.")
                }
                command.set(flag.name, nil)
                used.insert(e.input)
                continue
            }
            if let attached = e.value {
                command.set(flag.name, attached)
                used.insert(e.input)
                continue
            }
            // The value is the next whole argument, and only if it is not an option.
            let next = elements[(position + 1)...].first { !$0.isLetter && !used.contains($0.input) }
            guard let next, next.isValue else {
                throw Failure(message: "Missing value for '\(name.synopsis) <\(valueName)>'",
                              help: "\(name.synopsis) <\(valueName)>  \(flag.help)")
            }
            command.set(flag.name, next.value)
            used.insert(e.input)
            used.insert(next.input)
        }
        let left = elements.filter { !used.contains($0.input) }
        if left.contains(where: { $0.name == .short("h") || $0.name == .long("help") }) {
            return .help
        }
        if let unknown = left.first(where: { !$0.isValue }), let name = unknown.name {
            throw Failure(message: "Unknown option '\(name.synopsis)'")
        }
        let extra = left.filter(\.isValue).compactMap(\.value)
        switch extra.count {
        case 0: return .run(command)
        case 1: throw Failure(message: "Unexpected argument '\(extra[0])'")
        default: throw Failure(message: "\(extra.count) unexpected arguments: '\(extra.joined(separator: "', '"))'")
        }
    }

    private static func flag(named name: Name) -> FlagSpec? {
        switch name {
        case .long(let n), .singleDashLong(let n): return RhizomeCommand.flags.first { $0.name == n }
        case .short: return nil
        }
    }
}

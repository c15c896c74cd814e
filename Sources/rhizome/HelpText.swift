#if canImport(Glibc)
import Glibc
#endif

/// The usage line and the `-help` text, laid out as swift-argument-parser laid them out
/// (wrapped to `COLUMNS` or the terminal's width, 80 otherwise) so the output is unchanged.
enum HelpText {
    static let abstract = "Rhizome: a decentralised, end-to-end encrypted IPv6 mesh router (wire-compatible with Yggdrasil 0.5.12, or 0.4.7 with ProtocolVersion \"0.4\")."

    /// `rhizome [-genconf] ... [-logto <dest>] ...`
    static var usage: String {
        let flags = RhizomeCommand.flags.map { flag in
            "[-\(flag.name)\(flag.valueName.map { " <\($0)>" } ?? "")]"
        }
        return (["rhizome"] + flags).joined(separator: " ")
    }

    /// Where option help starts; labels that reach it get a line of their own.
    private static let helpColumn = 26

    static func render(width: Int) -> String {
        var rows = RhizomeCommand.flags.map { flag -> (String, String) in
            let label = "-\(flag.name), --\(flag.name)" + (flag.valueName.map { " <\($0)>" } ?? "")
            return (label, flag.help + (flag.defaultValue.map { " (default: \($0))" } ?? ""))
        }
        rows.append(("-h, --help", "Show help information."))
        var text = wrap("OVERVIEW: \(abstract)", to: width, indent: 0) + "\n\n"
        text += "USAGE: \(usage)\n\n"
        text += "OPTIONS:\n"
        for (label, help) in rows {
            let padded = "  " + label
            let wrapped = wrap(help, to: width, indent: helpColumn)
            text += padded + (padded.count < helpColumn ? String(wrapped.dropFirst(padded.count)) : "\n" + wrapped) + "\n"
        }
        return text
    }

    /// `COLUMNS` if it is a number, else the width of the terminal on stdout, else 80.
    static func screenWidth() -> Int {
        if let columns = getenv("COLUMNS"), let width = Int(String(cString: columns)) {
            return width
        }
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return Int(size.ws_col)
        }
        return 80
    }

    /// Greedy word wrap to `width` columns, every line indented by `indent`; a word longer than
    /// a line gets a line of its own. Nothing at all when the indent leaves no room.
    static func wrap(_ text: String, to width: Int, indent: Int) -> String {
        let columns = width - indent
        guard columns > 0 else { return "" }
        var lines: [Substring] = []
        var rest = text[...]
        while true {
            let chunk = rest.prefix(columns)
            if chunk.endIndex == rest.endIndex {
                lines.append(rest)
                break
            }
            guard let space = chunk.lastIndex(of: " ") ?? rest.firstIndex(of: " ") else {
                lines.append(rest)
                break
            }
            lines.append(rest[..<space])
            rest = rest[rest.index(after: space)...]
        }
        let margin = String(repeating: " ", count: indent)
        return lines.map { $0.isEmpty ? "" : margin + $0 }.joined(separator: "\n")
    }
}

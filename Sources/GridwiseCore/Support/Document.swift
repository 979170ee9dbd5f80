import Yams

/// A parsed YAML or JSON file: a tree of maps, lists and scalars, each with its place in the file.
///
/// JSON is read through the same YAML parser (JSON is YAML 1.2 flow style), so errors in both
/// formats carry line and column.
public indirect enum DocumentNode: Sendable {
    case map([(key: String, keyMark: SourceMark, value: DocumentNode)], SourceMark)
    case list([DocumentNode], SourceMark)
    /// `quoted` is true for '...' and "..." scalars, which are always strings.
    case scalar(String, quoted: Bool, SourceMark)
    case null(SourceMark)

    public var mark: SourceMark {
        switch self {
        case .map(_, let m), .list(_, let m), .scalar(_, _, let m), .null(let m): return m
        }
    }

    /// How the value reads to a person: `a map`, `a list`, `'abc'`.
    public var shortDescription: String {
        switch self {
        case .map: return "a map"
        case .list: return "a list"
        case .null: return "nothing (null)"
        case .scalar(let s, _, _): return s.count > 40 ? "'\(s.prefix(37))...'" : "'\(s)'"
        }
    }

    /// Parses `text` (YAML or JSON). Syntax errors come back as one diagnostic with line and column.
    public static func parse(_ text: String, file: String) throws(GridwiseError) -> DocumentNode {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text, .basic)  // every scalar read as its text (DocumentNode types it), so no tag patterns to match
        } catch let error as YamlError {
            throw .invalidInput([Self.diagnostic(for: error, file: file)])
        } catch {
            throw .invalidInput([Diagnostic(file: file, path: "", message: "cannot parse: \(error)")])
        }
        guard let root else {
            throw .invalidInput([Diagnostic(file: file, line: 1, column: 1, path: "", message: "the file is empty; expected a map with apiVersion and kind")])
        }
        var problems: [Diagnostic] = []
        let tree = convert(root, file: file, path: "", problems: &problems)
        if !problems.isEmpty { throw .invalidInput(problems) }
        return tree
    }

    private static func mark(_ m: Mark?) -> SourceMark { SourceMark(line: m?.line ?? 1, column: m?.column ?? 1) }

    private static func convert(_ node: Node, file: String, path: String, problems: inout [Diagnostic]) -> DocumentNode {
        switch node {
        case .scalar(let s):
            let quoted = s.style == .singleQuoted || s.style == .doubleQuoted || s.style == .literal || s.style == .folded
            if !quoted, ["", "~", "null", "Null", "NULL"].contains(s.string) { return .null(mark(s.mark)) }
            return .scalar(s.string, quoted: quoted, mark(s.mark))
        case .sequence(let seq):
            var items: [DocumentNode] = []
            for (i, item) in seq.enumerated() { items.append(convert(item, file: file, path: "\(path)[\(i)]", problems: &problems)) }
            return .list(items, mark(seq.mark))
        case .mapping(let map):
            var pairs: [(key: String, keyMark: SourceMark, value: DocumentNode)] = []
            var seen: Set<String> = []
            for (k, v) in map {
                guard case .scalar(let ks) = k else {
                    problems.append(Diagnostic(file: file, at: mark(k.mark), path: path, message: "a map key must be a plain name, found a map or list"))
                    continue
                }
                let childPath = path.isEmpty ? ks.string : "\(path).\(ks.string)"
                if !seen.insert(ks.string).inserted {
                    problems.append(Diagnostic(file: file, at: mark(ks.mark), path: childPath, message: "duplicate key '\(ks.string)'; each key may appear once"))
                    continue
                }
                pairs.append((ks.string, mark(ks.mark), convert(v, file: file, path: childPath, problems: &problems)))
            }
            return .map(pairs, mark(map.mark))
        case .alias(let alias):
            problems.append(Diagnostic(file: file, at: mark(alias.mark), path: path, message: "YAML aliases are not supported; write the value out"))
            return .null(mark(alias.mark))
        }
    }

    private static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let m, _), .parser(let context, let problem, let m, _), .composer(let context, let problem, let m, _):
            let detail = context.map { "\(problem) \($0.text)" } ?? problem
            return Diagnostic(file: file, at: SourceMark(line: m.line, column: m.column), path: "", message: "syntax error: \(detail)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return Diagnostic(file: file, at: SourceMark(line: context.mark.line, column: context.mark.column), path: "", message: "duplicate keys \(duplicates.joined(separator: ", ")); each key may appear once")
        case .reader(let problem, _, _, _):
            return Diagnostic(file: file, path: "", message: "cannot read the text: \(problem)")
        default:
            return Diagnostic(file: file, path: "", message: "cannot parse: \(error)")
        }
    }
}

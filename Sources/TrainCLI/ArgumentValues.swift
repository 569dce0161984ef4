import ArgumentParser
import Foundation
import Evaluation
import Models
import NN
import SCMGen
import Training

// The enum-valued options: `--help` and shell completion list their values, and a bad value
// is refused by the parser, naming the choices.

extension Variant: ExpressibleByArgument {
    /// `c` is `C`.
    public init?(argument: String) { self.init(rawValue: argument.uppercased()) }
}

extension StreamMode: ExpressibleByArgument, CaseIterable {
    public static var allCases: [StreamMode] { [.mixed, .sequential] }
}

extension DeltaMode: ExpressibleByArgument, CaseIterable {
    public static var allCases: [DeltaMode] { [.interventional, .counterfactual] }
}

extension MatmulPrecision: ExpressibleByArgument {}
extension LRSchedule: ExpressibleByArgument {}
extension PlotXAxis: ExpressibleByArgument {}

extension EdgeAggregation: ExpressibleByArgument, CaseIterable {
    public static var allCases: [EdgeAggregation] { [.meanProbability, .meanLogit] }
}

extension EdgeFunction: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.name) }
    public var defaultValueDescription: String { name }
}

/// `--loss`: the loss's starting point, before the weight options.
enum LossPreset: String, CaseIterable, ExpressibleByArgument {
    /// Acyclicity without the diagonal, divided by N, warmed up; the delta Huber in std units.
    case `default`
    /// The seed notebook's exact loss (`seed` is accepted too, as configs and scripts from
    /// before the rename say; it sat confusingly next to `--seed`).
    case notebook

    init?(argument: String) {
        self.init(rawValue: argument == "seed" ? "notebook" : argument)
    }

    var config: LossConfig { self == .notebook ? .seed : .standard }
}

/// A list option given as one comma-separated value (`--nodes 20,50,100`), parsed element by
/// element as `Element` values. Declared with `transform: CommaList.parse`, so a bad element
/// is named in the error.
struct CommaList<Element: ExpressibleByArgument>: ExpressibleByArgument {
    var values: [Element]

    init(_ values: [Element]) { self.values = values }

    init?(argument: String) {
        var values: [Element] = []
        for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
            guard let v = Element(argument: part.trimmingCharacters(in: .whitespaces)) else { return nil }
            values.append(v)
        }
        self.values = values
    }

    static func parse(_ argument: String) throws -> CommaList {
        let choices = Element.allValueStrings
        return CommaList(try argument.split(separator: ",", omittingEmptySubsequences: false).map { part in
            let text = part.trimmingCharacters(in: .whitespaces)
            guard let v = Element(argument: text) else {
                throw ValidationError("'\(text)' is not " + (choices.isEmpty ? "a valid value" : "one of \(choices.joined(separator: ", "))"))
            }
            return v
        })
    }

    var defaultValueDescription: String { values.map(\.defaultValueDescription).joined(separator: ",") }
    static var allValueStrings: [String] { Element.allValueStrings }
}

// A parsed CSV file (SwiftCSV does the quoting rules) with the checks every importer needs:
// a header, the same number of cells in every row, and numbers that are finite Float32s.
// Errors are one line naming the file, the row, the column and the fix.
import Foundation
import SwiftCSV

public struct CSVImportError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

struct CSVTable {
    let file: String                 // how errors name the file
    let header: [String]
    let rows: [[String]]             // data rows, blank lines dropped
    let rowNumbers: [Int]            // 1-based record number of each row in the file (header = 1)

    /// Reads and parses `path`; `hasHeader: false` keeps the first line as data.
    init(path: String, hasHeader: Bool = true) throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw CSVImportError("\(path): cannot read the file as UTF-8 text (\(error.localizedDescription)); check the path")
        }
        try self.init(text: text, file: path, hasHeader: hasHeader)
    }

    init(text: String, file: String, hasHeader: Bool = true) throws {
        self.file = file
        let records: [[String]]
        do {
            // loadColumns false: we only want raw records, each with its own cell count.
            // SwiftCSV drops an empty last cell when the file does not end in a newline.
            let ended = text.hasSuffix("\n") || text.hasSuffix("\r") ? text : text + "\n"
            let csv = try EnumeratedCSV(string: ended, delimiter: .comma, loadColumns: false)
            var all: [[String]] = []
            try csv.enumerateAsArray(startAt: 0, rowLimit: nil) { all.append($0) }
            records = all
        } catch {
            throw CSVImportError("\(file): not a valid comma-separated file (\(error)); quote cells that hold commas or quotes")
        }
        var numbered = records.enumerated().map { (number: $0.offset + 1, cells: $0.element) }
            .filter { !($0.cells.count == 1 && $0.cells[0].trimmingCharacters(in: .whitespaces).isEmpty) }
        let strip = { (cells: [String]) in cells.map { $0.trimmingCharacters(in: .whitespaces) } }
        if hasHeader {
            guard let first = numbered.first else {
                throw CSVImportError("\(file): the file is empty; it needs a header line and at least one data row")
            }
            header = strip(first.cells)
            numbered.removeFirst()
            if let dup = Dictionary(grouping: header, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
                throw CSVImportError("\(file): row 1: the column '\(dup)' appears twice in the header; give every column its own name")
            }
            if let blank = header.firstIndex(of: "") {
                throw CSVImportError("\(file): row 1, column \(blank + 1): empty column name in the header; name every column")
            }
        } else {
            header = []
        }
        let width = hasHeader ? header.count : numbered.first?.cells.count ?? 0
        for row in numbered where row.cells.count != width {
            throw CSVImportError("\(file): row \(row.number) has \(row.cells.count) cells but \(hasHeader ? "the header has" : "the first row has") \(width); "
                + "every row needs one cell per column")
        }
        rows = numbered.map { strip($0.cells) }
        rowNumbers = numbered.map(\.number)
    }

    /// Where a cell is, for error messages: `file: row 7, column 'X2'`.
    func place(_ row: Int, _ column: Int) -> String {
        let name = column < header.count ? "'\(header[column])'" : "\(column + 1)"
        return "\(file): row \(rowNumbers[row]), column \(name)"
    }

    /// A finite Float32 cell (plain or exponent notation).
    func number(_ row: Int, _ column: Int) throws -> Float {
        let text = rows[row][column]
        if text.isEmpty {
            throw CSVImportError("\(place(row, column)): empty cell; missing values are not supported: drop or impute the row")
        }
        guard let v = Float(text) else {
            throw CSVImportError("\(place(row, column)): '\(text)' is not a number; write plain decimal numbers such as -1.25 or 3e-2")
        }
        guard v.isFinite else {
            let hint = Double(text).map { $0.isFinite } == true ? "it is beyond Float32's range (±3.4e38): rescale the column"
                : "NaN and infinite values are not supported: drop or impute the row"
            throw CSVImportError("\(place(row, column)): '\(text)' is not finite; \(hint)")
        }
        return v
    }

    /// A non-negative integer cell below `limit`.
    func index(_ row: Int, _ column: Int, below limit: Int, meaning: String) throws -> Int {
        let text = rows[row][column]
        guard let i = Int(text), i >= 0, i < limit else {
            throw CSVImportError("\(place(row, column)): '\(text)' is not \(meaning) (an integer in 0..<\(limit))")
        }
        return i
    }
}

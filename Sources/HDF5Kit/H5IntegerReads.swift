import CHDF5

/// Exact integer reads. HDF5 converts numbers on read without complaint (an int64 that does
/// not fit int32 is clipped, a float 1.7 read as an integer becomes 1), so values that count
/// or index something are read at full width here and every one is checked to fit.
extension H5Group {
    /// Reads integer dataset `child` as `T`, refusing float storage and any value outside `T`.
    public func readIntegers<T: H5Element & FixedWidthInteger>(_ child: String, as: T.Type = T.self) throws -> (data: [T], shape: [Int]) {
        let stored = try storedClass(of: child)
        guard case .integer(let bytes, let signed) = stored else {
            throw H5Error("dataset \(where_(child)) has type \(stored.summary); expected integers (\(T.self))")
        }
        let (wide, shape) = try read(child, as: Int64.self)
        try checkFit(wide, as: T.self, unsigned64: !signed && bytes >= 8) { "dataset \(where_(child))" }
        return (wide.map { T($0) }, shape)
    }

    /// A numeric attribute that must be a whole number fitting `T`: integer storage, or a float
    /// that is exactly a whole number (1.0 is 1, 1.7 is refused). nil if absent.
    public func integerAttribute<T: H5Element & FixedWidthInteger>(_ attr: String, as: T.Type = T.self) throws -> T? {
        guard hasAttribute(attr) else { return nil }
        let place = "attribute '\(attr)' on '\(name)' in \(file)"
        if case .float = try attributeStoredClass(attr), let d = try attributeArray(attr, as: Double.self)?.first {
            guard d.isFinite, d.rounded() == d, d >= -0x1p63, d < 0x1p63, let w = Int64(exactly: d) else {
                throw H5Error("\(place) is \(d); expected a whole number")
            }
            try checkFit([w], as: T.self, unsigned64: false) { place }
        }
        // Integers read at full width (a Double cannot hold every int64).
        guard let w = try attributeArray(attr, as: Int64.self)?.first else { return nil }
        try checkFit([w], as: T.self, unsigned64: false) { place }
        return T(w)
    }

    private func checkFit<T: FixedWidthInteger>(_ values: [Int64], as: T.Type, unsigned64: Bool,
                                               _ place: () -> String) throws {
        // An unsigned 64-bit value above Int64.max reads clipped to Int64.max: refuse that value.
        let low = Int64(clamping: T.min), high = unsigned64 ? min(Int64(clamping: T.max), Int64.max - 1) : Int64(clamping: T.max)
        if let i = values.firstIndex(where: { $0 < low || $0 > high }) {
            let shown = unsigned64 && values[i] == Int64.max ? "≥ 2^63" : "\(values[i])"
            throw H5Error("\(place()) has value \(shown) at index \(i), which does not fit \(T.self) (\(T.min)...\(T.max))")
        }
    }
}

extension H5StoredClass {
    /// numpy's name for the stored type ("int64", "float32", "string").
    public var summary: String {
        switch self {
        case let .integer(bytes, signed): return "\(signed ? "" : "u")int\(bytes * 8)"
        case let .float(bytes): return "float\(bytes * 8)"
        case .string: return "string"
        case .other: return "a non-numeric type"
        }
    }
}

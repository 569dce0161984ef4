import CHDF5
import Foundation

/// Attributes on a group (root attributes live on the root group, as in h5py's `f.attrs`).
/// Strings are written as variable-length UTF-8, as h5py writes a Python `str`; both
/// variable- and fixed-length strings are read.
extension H5Group {
    public func hasAttribute(_ attr: String) -> Bool { H5Aexists(handle, attr) > 0 }

    public func setAttribute<T: H5Element>(_ attr: String, _ value: T) throws {
        try setAttribute(attr, [value], scalar: true)
    }

    public func setAttribute<T: H5Element>(_ attr: String, _ values: [T], scalar: Bool = false) throws {
        var dims = [hsize_t(values.count)]
        let space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        let aid = try createAttribute(attr, type: T.fileType, space: space)
        defer { H5Aclose(aid) }
        try values.withUnsafeBufferPointer { buf in
            try checkedStatus(H5Awrite(aid, T.nativeType, buf.baseAddress), "cannot write attribute \(attrWhere(attr))")
        }
    }

    public func setAttribute(_ attr: String, _ value: String) throws {
        try setStrings(attr, [value], scalar: true)
    }

    public func setAttribute(_ attr: String, _ values: [String]) throws {
        try setStrings(attr, values, scalar: false)
    }

    /// A numeric attribute (scalar or first element), converted to `T`; nil if absent.
    public func attribute<T: H5Element>(_ attr: String, as: T.Type = T.self) throws -> T? {
        try attributeArray(attr, as: T.self)?.first
    }

    public func attributeArray<T: H5Element>(_ attr: String, as: T.Type = T.self) throws -> [T]? {
        guard hasAttribute(attr) else { return nil }
        let aid = try checked(H5Aopen(handle, attr, pfn_H5P_DEFAULT()), "cannot open attribute \(attrWhere(attr))")
        defer { H5Aclose(aid) }
        let type = H5Aget_type(aid)
        defer { H5Tclose(type) }
        switch h5StoredClass(type) {
        case .integer, .float: break
        default: throw H5Error("attribute \(attrWhere(attr)) is not numeric")
        }
        let count = try checkedElementCount([elementCount(aid)], bytesEach: MemoryLayout<T>.stride) { "attribute \(attrWhere(attr))" }
        var values = [T](repeating: 0, count: count)
        try values.withUnsafeMutableBufferPointer { buf in
            try checkedStatus(H5Aread(aid, T.nativeType, buf.baseAddress), "cannot read attribute \(attrWhere(attr))")
        }
        return values
    }

    /// A string attribute (scalar or first element); nil if absent.
    public func stringAttribute(_ attr: String) throws -> String? {
        try stringsAttribute(attr)?.first
    }

    public func stringsAttribute(_ attr: String) throws -> [String]? {
        guard hasAttribute(attr) else { return nil }
        let aid = try checked(H5Aopen(handle, attr, pfn_H5P_DEFAULT()), "cannot open attribute \(attrWhere(attr))")
        defer { H5Aclose(aid) }
        let type = H5Aget_type(aid)
        defer { H5Tclose(type) }
        guard h5StoredClass(type) == .string else { throw H5Error("attribute \(attrWhere(attr)) is not a string") }
        let count = try checkedElementCount([elementCount(aid)], bytesEach: 8) { "attribute \(attrWhere(attr))" }
        if H5Tis_variable_str(type) > 0 {
            let mem = variableStringType()
            defer { H5Tclose(mem) }
            var ptrs = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            try checkedStatus(H5Aread(aid, mem, &ptrs), "cannot read attribute \(attrWhere(attr))")
            defer { for p in ptrs { H5free_memory(p) } }
            return ptrs.map { $0.map { String(cString: $0) } ?? "" }
        }
        let width = H5Tget_size(type)
        _ = try checkedElementCount([count, width], bytesEach: 1) { "attribute \(attrWhere(attr))" }
        let mem = H5Tcopy(pfn_H5T_C_S1())
        defer { H5Tclose(mem) }
        H5Tset_size(mem, width)
        var buf = [UInt8](repeating: 0, count: width * count)
        try checkedStatus(H5Aread(aid, mem, &buf), "cannot read attribute \(attrWhere(attr))")
        return (0..<count).map { i in
            let bytes = buf[(i * width)..<((i + 1) * width)].prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// The stored element class of attribute `attr`.
    public func attributeStoredClass(_ attr: String) throws -> H5StoredClass {
        let aid = try checked(H5Aopen(handle, attr, pfn_H5P_DEFAULT()), "cannot open attribute \(attrWhere(attr))")
        defer { H5Aclose(aid) }
        let type = H5Aget_type(aid)
        defer { H5Tclose(type) }
        return h5StoredClass(type)
    }

    // MARK: Helpers

    private func attrWhere(_ attr: String) -> String { "'\(attr)' on '\(name)' in \(file)" }

    private func createAttribute(_ attr: String, type: hid_t, space: hid_t) throws -> hid_t {
        if hasAttribute(attr) { H5Adelete(handle, attr) }
        return try checked(H5Acreate2(handle, attr, type, space, pfn_H5P_DEFAULT(), pfn_H5P_DEFAULT()),
                           "cannot create attribute \(attrWhere(attr))")
    }

    private func setStrings(_ attr: String, _ values: [String], scalar: Bool) throws {
        var dims = [hsize_t(values.count)]
        let space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        let type = variableStringType()
        defer { H5Tclose(type) }
        let aid = try createAttribute(attr, type: type, space: space)
        defer { H5Aclose(aid) }
        let cstrings = values.map { strdup($0) }
        defer { cstrings.forEach { free($0) } }
        var ptrs = cstrings.map { UnsafePointer<CChar>($0) }
        try checkedStatus(H5Awrite(aid, type, &ptrs), "cannot write attribute \(attrWhere(attr))")
    }

    private func variableStringType() -> hid_t {
        let type = H5Tcopy(pfn_H5T_C_S1())
        H5Tset_size(type, pfn_H5T_VARIABLE())
        H5Tset_cset(type, H5T_CSET_UTF8)
        return type
    }

    private func elementCount(_ aid: hid_t) -> Int {
        let space = H5Aget_space(aid)
        defer { H5Sclose(space) }
        return max(0, Int(H5Sget_simple_extent_npoints(space)))
    }
}

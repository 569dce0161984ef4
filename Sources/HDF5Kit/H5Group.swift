import CHDF5
import Foundation

/// A group in an open HDF5 file: child groups, n-dimensional datasets, and attributes.
/// Errors name the file and the full object path.
public final class H5Group {
    public let file: String
    /// Absolute path of the group inside the file, e.g. `/datasets/000001`.
    public let name: String
    private var id: hid_t
    private let owner: H5File

    init(owner: H5File, file: String, id: hid_t, name: String) {
        self.owner = owner
        self.file = file
        self.id = id
        self.name = name
    }

    deinit { closeHandle() }

    func closeHandle() {
        if id >= 0 { H5Gclose(id); id = -1 }
    }

    func path(_ child: String) -> String { name == "/" ? "/\(child)" : "\(name)/\(child)" }
    func where_(_ child: String) -> String { "'\(path(child))' in \(file)" }

    // MARK: Groups

    /// True if a link named `child` (group or dataset) exists; `child` may contain `/`.
    public func contains(_ child: String) -> Bool {
        var prefix = ""
        for part in child.split(separator: "/") {
            prefix = prefix.isEmpty ? String(part) : prefix + "/" + part
            if H5Lexists(id, prefix, pfn_H5P_DEFAULT()) <= 0 { return false }
        }
        return !prefix.isEmpty
    }

    public func openGroup(_ child: String) throws -> H5Group {
        guard contains(child) else { throw H5Error("missing group \(where_(child))") }
        let gid = try checked(H5Gopen2(id, child, pfn_H5P_DEFAULT()), "\(where_(child)) is not a group")
        return H5Group(owner: owner, file: file, id: gid, name: path(child))
    }

    /// Creates a group (intermediate groups too) and returns it.
    public func createGroup(_ child: String) throws -> H5Group {
        let lcpl = H5Pcreate(pfn_H5P_LINK_CREATE())
        defer { H5Pclose(lcpl) }
        H5Pset_create_intermediate_group(lcpl, 1)
        // No modification times in object headers: the same content gives the same bytes.
        let gcpl = H5Pcreate(pfn_H5P_GROUP_CREATE())
        defer { H5Pclose(gcpl) }
        H5Pset_obj_track_times(gcpl, false)
        let gid = try checked(H5Gcreate2(id, child, lcpl, gcpl, pfn_H5P_DEFAULT()),
                              "cannot create group \(where_(child))")
        return H5Group(owner: owner, file: file, id: gid, name: path(child))
    }

    /// Removes the link `child` (a group or dataset); true if it existed.
    @discardableResult
    public func remove(_ child: String) -> Bool {
        contains(child) && H5Ldelete(id, child, pfn_H5P_DEFAULT()) >= 0
    }

    /// Names of the direct children (groups and datasets), in name order.
    public func childNames() throws -> [String] {
        var info = H5G_info_t()
        try checkedStatus(H5Gget_info(id, &info), "cannot list group '\(name)' in \(file)")
        var names: [String] = []
        for i in 0..<info.nlinks {
            let size = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, pfn_H5P_DEFAULT())
            guard size >= 0 else { throw H5Error("cannot list group '\(name)' in \(file)") }
            var buf = [CChar](repeating: 0, count: Int(size) + 1)
            H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, buf.count, pfn_H5P_DEFAULT())
            names.append(String(cString: buf))
        }
        return names.sorted()
    }

    /// True if `child` is a group (false for datasets and missing links).
    public func isGroup(_ child: String) -> Bool {
        guard contains(child) else { return false }
        var info = H5O_info_t()
        guard H5Oget_info_by_name2(id, child, &info, UInt32(H5O_INFO_BASIC), pfn_H5P_DEFAULT()) >= 0 else { return false }
        return info.type == H5O_TYPE_GROUP
    }

    // MARK: Datasets

    /// Writes a dataset of `shape` (empty shape = scalar) from row-major `data`.
    public func write<T: H5Element>(_ child: String, _ data: [T], shape: [Int]) throws {
        try data.withUnsafeBufferPointer { buf in
            try writeDataset(child, values: buf.count, shape: shape, fileType: T.fileType, memoryType: T.nativeType,
                             from: UnsafeRawPointer(buf.baseAddress))
        }
    }

    /// The one way a dataset is written: replaces `child` if present, creates intermediate
    /// groups, stores no timestamps (same content, same bytes), then writes `values` elements
    /// of `memoryType` from `bytes` as `fileType`.
    func writeDataset(_ child: String, values: Int, shape: [Int], fileType: hid_t, memoryType: hid_t,
                      from bytes: UnsafeRawPointer?) throws {
        let count = shape.reduce(1, *)
        guard count == values else {
            throw H5Error("dataset \(where_(child)): \(values) values for shape \(shape)")
        }
        var dims = shape.map { hsize_t($0) }
        let space = try checked(shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(shape.count), &dims, nil),
                                "cannot make dataspace for \(where_(child))")
        defer { H5Sclose(space) }
        if contains(child) { H5Ldelete(id, child, pfn_H5P_DEFAULT()) }
        let lcpl = H5Pcreate(pfn_H5P_LINK_CREATE())
        defer { H5Pclose(lcpl) }
        H5Pset_create_intermediate_group(lcpl, 1)
        let dcpl = H5Pcreate(pfn_H5P_DATASET_CREATE())
        defer { H5Pclose(dcpl) }
        H5Pset_obj_track_times(dcpl, false)  // same content, same bytes
        let dset = try checked(H5Dcreate2(id, child, fileType, space, lcpl, dcpl, pfn_H5P_DEFAULT()),
                               "cannot create dataset \(where_(child))")
        defer { H5Dclose(dset) }
        if count > 0 {
            try checkedStatus(H5Dwrite(dset, memoryType, pfn_H5S_ALL(), pfn_H5S_ALL(), pfn_H5P_DEFAULT(), bytes),
                              "cannot write dataset \(where_(child))")
        }
    }

    /// The shape of dataset `child` ([] for a scalar).
    public func shape(of child: String) throws -> [Int] {
        let dset = try openDataset(child)
        defer { H5Dclose(dset) }
        return try datasetShape(dset, child)
    }

    /// The stored element class of dataset `child`.
    public func storedClass(of child: String) throws -> H5StoredClass {
        let dset = try openDataset(child)
        defer { H5Dclose(dset) }
        let type = H5Dget_type(dset)
        defer { H5Tclose(type) }
        return h5StoredClass(type)
    }

    /// Reads dataset `child`, converting its numbers to `T`.
    public func read<T: H5Element>(_ child: String, as: T.Type = T.self) throws -> (data: [T], shape: [Int]) {
        let dset = try openDataset(child)
        defer { H5Dclose(dset) }
        let shape = try datasetShape(dset, child)
        let type = H5Dget_type(dset)
        defer { H5Tclose(type) }
        switch h5StoredClass(type) {
        case .integer, .float: break
        default: throw H5Error("dataset \(where_(child)) is not numeric")
        }
        let count = try checkedElementCount(shape, bytesEach: MemoryLayout<T>.stride) { "dataset \(where_(child))" }
        var data = [T](repeating: 0, count: count)
        if count > 0 {
            try data.withUnsafeMutableBufferPointer { buf in
                try checkedStatus(H5Dread(dset, T.nativeType, pfn_H5S_ALL(), pfn_H5S_ALL(), pfn_H5P_DEFAULT(), buf.baseAddress),
                                  "cannot read dataset \(where_(child)) as \(T.self)")
            }
        }
        return (data, shape)
    }

    private func openDataset(_ child: String) throws -> hid_t {
        guard contains(child) else { throw H5Error("missing dataset \(where_(child))") }
        return try checked(H5Dopen2(id, child, pfn_H5P_DEFAULT()), "\(where_(child)) is not a dataset")
    }

    private func datasetShape(_ dset: hid_t, _ child: String) throws -> [Int] {
        let space = H5Dget_space(dset)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0 else { throw H5Error("cannot read the shape of \(where_(child))") }
        var dims = [hsize_t](repeating: 0, count: rank)
        H5Sget_simple_extent_dims(space, &dims, nil)
        let shape = dims.compactMap { Int(exactly: $0) }
        guard shape.count == rank else {
            throw H5Error("dataset \(where_(child)) has dimensions \(dims) too large for this machine (is the file damaged?)")
        }
        return shape
    }

    // MARK: Attributes

    var handle: hid_t { id }
}

func h5StoredClass(_ type: hid_t) -> H5StoredClass {
    let size = H5Tget_size(type)
    switch H5Tget_class(type) {
    case H5T_INTEGER: return .integer(bytes: size, signed: H5Tget_sign(type) == H5T_SGN_2)
    case H5T_FLOAT: return .float(bytes: size)
    case H5T_STRING: return .string
    default: return .other
    }
}

/// The number of elements of `shape`, refusing sizes that overflow or exceed the machine's
/// memory: a damaged header (one flipped bit in a dimension) must be an error, not a failed
/// allocation that aborts the process.
func checkedElementCount(_ shape: [Int], bytesEach: Int, _ what: () -> String) throws -> Int {
    var n = 1, overflow = false
    for d in shape {
        let (p, o) = n.multipliedReportingOverflow(by: d)
        overflow = overflow || o || d < 0
        n = p
    }
    let (bytes, o) = n.multipliedReportingOverflow(by: max(bytesEach, 1))
    guard !overflow, !o, UInt64(bytes) <= ProcessInfo.processInfo.physicalMemory / 2 else {
        throw H5Error("\(what()) has shape \(shape), more values than fit in this machine's memory (is the file damaged?)")
    }
    return n
}

import CHDF5

/// bfloat16 datasets: an HDF5 floating-point type of 2 bytes, little-endian, sign bit 15,
/// exponent bits 7–14 (bias 127), mantissa bits 0–6 — the top half of an IEEE float32.
/// Because HDF5 records the layout in the file, every reader that asks for float32 gets the
/// exact values (HDF5 widens on read: `read(_:as: Float.self)` here, h5py's `f[key][()]`),
/// and h5dump shows a 16-bit float; no reader has to know about bit patterns.
extension H5Group {
    /// Writes a bfloat16 dataset of `shape` from row-major bit patterns (the upper 16 bits of
    /// each float32, already rounded by the caller).
    public func writeBFloat16(_ child: String, bits: [UInt16], shape: [Int]) throws {
        let type = try bfloat16Type()
        defer { H5Tclose(type) }
        // Memory and file have the same type: the bits are stored as given.
        try bits.withUnsafeBufferPointer { buf in
            try writeDataset(child, values: buf.count, shape: shape, fileType: type, memoryType: type,
                             from: UnsafeRawPointer(buf.baseAddress))
        }
    }

    /// True if dataset `child` is stored as bfloat16 (the layout above).
    public func isBFloat16(_ child: String) -> Bool {
        guard contains(child), !isGroup(child) else { return false }
        let dset = H5Dopen2(handle, child, pfn_H5P_DEFAULT())
        guard dset >= 0 else { return false }
        defer { H5Dclose(dset) }
        let stored = H5Dget_type(dset)
        defer { H5Tclose(stored) }
        guard let type = try? bfloat16Type() else { return false }
        defer { H5Tclose(type) }
        return H5Tequal(stored, type) > 0
    }
}

/// A new handle to the bfloat16 type (the caller closes it). Built from float32 by moving the
/// fields into 16 bits, then shrinking: HDF5 checks each step against the current size.
func bfloat16Type() throws -> hid_t {
    let type = try checked(H5Tcopy(pfn_H5T_IEEE_F32LE()), "cannot make the bfloat16 HDF5 type")
    let ok = H5Tset_fields(type, 15, 7, 8, 0, 7) >= 0   // sign pos, exponent pos and size, mantissa pos and size
        && H5Tset_offset(type, 0) >= 0
        && H5Tset_precision(type, 16) >= 0
        && H5Tset_size(type, 2) >= 0
        && H5Tset_ebias(type, 127) >= 0
    guard ok else {
        H5Tclose(type)
        throw H5Error("cannot make the bfloat16 HDF5 type")
    }
    return type
}

import CHDF5

/// A Swift scalar type with an HDF5 counterpart. Reads convert from whatever numeric type is
/// stored (HDF5 converts on read), so a float64 array written by numpy reads as `[Float]`.
public protocol H5Element: Numeric {
    /// The in-memory (native) HDF5 type.
    static var nativeType: hid_t { get }
    /// The little-endian type written to files, as h5py/numpy would write it.
    static var fileType: hid_t { get }
}

extension Float: H5Element {
    public static var nativeType: hid_t { pfn_H5T_NATIVE_FLOAT() }
    public static var fileType: hid_t { pfn_H5T_IEEE_F32LE() }
}

extension Double: H5Element {
    public static var nativeType: hid_t { pfn_H5T_NATIVE_DOUBLE() }
    public static var fileType: hid_t { pfn_H5T_IEEE_F64LE() }
}

extension Int32: H5Element {
    public static var nativeType: hid_t { pfn_H5T_NATIVE_INT32() }
    public static var fileType: hid_t { pfn_H5T_STD_I32LE() }
}

extension Int64: H5Element {
    public static var nativeType: hid_t { pfn_H5T_NATIVE_INT64() }
    public static var fileType: hid_t { pfn_H5T_STD_I64LE() }
}

extension UInt8: H5Element {
    public static var nativeType: hid_t { pfn_H5T_NATIVE_UINT8() }
    public static var fileType: hid_t { pfn_H5T_STD_U8LE() }
}

extension Int8: H5Element {
    public static var nativeType: hid_t { pfn_H5T_NATIVE_INT8() }
    public static var fileType: hid_t { pfn_H5T_STD_I8LE() }
}

/// The stored class of a dataset, for validating files written by other tools.
public enum H5StoredClass: Equatable, Sendable {
    case integer(bytes: Int, signed: Bool)
    case float(bytes: Int)
    case string
    case other
}

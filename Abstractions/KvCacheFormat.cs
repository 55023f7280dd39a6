namespace KernelGen;

/// <summary>
/// How each cached key and value number is stored. Decode reads the whole attended cache every
/// token, so fewer bytes per number is fewer bytes to stream; the kernels widen the stored numbers
/// to float in registers, never into a copy.
/// </summary>
/// <remarks>
/// The generator compiles this same file (with <c>BUILDING_SOURCE_GENERATOR</c> defined), so the
/// format numbering has one source.
/// </remarks>
#if BUILDING_SOURCE_GENERATOR
internal
#else
public
#endif
    enum KvCacheFormat
{
    /// <summary>4 bytes a number: exactly what the projections produce (run.c-exact decoding).</summary>
    Float32 = 0,

    /// <summary>2 bytes: float's sign, 8-bit exponent and top 7 mantissa bits (round to nearest even); float's range, about 3 significant digits.</summary>
    BFloat16 = 1,

    /// <summary>2 bytes: IEEE half (round to nearest even, saturated at ±65504); 11 significant bits, range ±65504.</summary>
    Float16 = 2,

    /// <summary>
    /// 1 byte plus one float scale per position per KV head (for keys and for values): symmetric
    /// int8, x ≈ scale · q with q in −127..127 and scale = max|x| / 127 over the head's row.
    /// </summary>
    Int8 = 3,
}

namespace KernelGen.Generator.Planning;

/// <summary>
/// One piece of a head vector as a SIMD path covers it: <see cref="Floats"/> floats at
/// <see cref="Offset"/>, loaded as one vector of that many floats (1 means a scalar).
/// </summary>
internal sealed record VectorChunk(int Offset, int Floats)
{
    /// <summary>The vector type's name for this chunk, or null for a scalar.</summary>
    public string? VectorType => Floats switch
    {
        16 => "Vector512",
        8 => "Vector256",
        4 => "Vector128",
        _ => null,
    };
}

namespace KernelGen.Generator.Model;

/// <summary>
/// Where one pattern's arguments are written, for diagnostics about its layout file. Kept beside
/// the <see cref="PatternSpec"/> (in <see cref="ParseResult.PatternSources"/>), not in it, so that
/// moving an attribute leaves the spec equal and nothing is planned or emitted again.
/// </summary>
/// <param name="LayoutFile">Where the attribute names its layout file; null for other patterns.</param>
/// <param name="BlockSize">Where the attribute sets BlockSize, for a mismatch with the file; null when it does not.</param>
internal sealed record PatternSource(LocationInfo? LayoutFile, LocationInfo? BlockSize)
{
    /// <summary>A pattern no attribute wrote (dense, or a config file's sliding window).</summary>
    public static PatternSource None { get; } = new(null, null);
}

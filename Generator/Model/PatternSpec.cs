using KernelGen.Patterns;

namespace KernelGen.Generator.Model;

/// <summary>
/// One <c>[SparseAttention]</c> pattern as the parser read it: the pattern and its parameters, and for a layout, the file it names and, once resolved,
/// its block tables. Equal patterns on several layers are one spec, compiled once. Only what changes
/// the emitted code is here: where the attribute is written lives beside it, in <see cref="PatternSource"/>.
/// </summary>
/// <param name="Parameters">The pattern and its parameters (for a layout, BlockSize is the file's once it is read).</param>
/// <param name="LayoutFile">Layout: the file named by the attribute.</param>
/// <param name="Tables">Layout: [table][query block] → key blocks, once the file is read; empty before.</param>
internal sealed record PatternSpec(
    PatternParameters Parameters,
    string? LayoutFile,
    EquatableArray<EquatableArray<EquatableArray<int>>> Tables)
{
    public static PatternSpec Dense { get; } = new(new PatternParameters { Kind = SparsePattern.Dense }, null, default);

    public bool IsDense => Parameters.Kind == SparsePattern.Dense;
}

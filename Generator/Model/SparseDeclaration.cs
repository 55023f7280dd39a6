using KernelGen.Patterns;

namespace KernelGen.Generator.Model;

/// <summary>
/// One <c>[SparseAttention]</c> as written, reduced to values: the pattern and its parameters (a
/// constructor argument that is not a <c>SparsePattern</c> value gives an out-of-range kind), the
/// layer list's text, which arguments were given and where each is. The builder checks and
/// assigns it once the model's layer count is known (which may come from a config file).
/// </summary>
internal sealed record SparseDeclaration(
    PatternParameters Parameters,
    string? LayoutFile,
    string? LayersText,
    EquatableArray<ArgumentInfo> Arguments,
    LocationInfo? Location);

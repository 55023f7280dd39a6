namespace KernelGen.Generator.Model;

/// <summary>
/// What the parser read from one <c>[TransformerModel]</c> class: names and sizes, nothing from
/// Roslyn. This record is the incremental cache boundary: when an edit leaves it equal, nothing
/// downstream runs again.
/// </summary>
/// <param name="Namespace">The class's namespace, empty for the global namespace.</param>
/// <param name="ClassName">The class name.</param>
/// <param name="KvHeads">Key/value heads, already defaulted to <paramref name="Heads"/> when not set.</param>
/// <param name="HiddenDim">Feed-forward width, 0 when not set.</param>
/// <param name="Vocab">Vocabulary size, 0 when not set.</param>
/// <param name="Fallback">Why the shape is not specialized (it runs on generic kernels), or null.</param>
/// <param name="Patterns">The distinct attention patterns, dense first when any layer is dense.</param>
/// <param name="LayerPatterns">For each layer, its index into <paramref name="Patterns"/>.</param>
internal sealed record ModelSpec(
    string Namespace,
    string ClassName,
    int Dim,
    int Layers,
    int Heads,
    int KvHeads,
    int HiddenDim,
    int Vocab,
    int MaxSeqLen,
    string? Fallback,
    EquatableArray<PatternSpec> Patterns,
    EquatableArray<int> LayerPatterns)
{
    /// <summary>The KV cache format the kernels' <c>CreateCache</c> uses (<c>[TransformerModel(KvCache = ...)]</c>).</summary>
    public KvCacheFormat KvCache { get; init; }

    public int HeadDim => Dim / Heads;

    public int GroupSize => Heads / KvHeads;

    /// <summary>True when every layer is dense.</summary>
    public bool IsDense => Patterns.Count == 1 && Patterns[0].IsDense;

    /// <summary>The class as C# would name it from anywhere: <c>global::Ns.Name</c>.</summary>
    public string FullyQualifiedName => Namespace.Length == 0 ? "global::" + ClassName : "global::" + Namespace + "." + ClassName;

    /// <summary>The class as a person would name it: <c>Ns.Name</c>.</summary>
    public string DisplayName => Namespace.Length == 0 ? ClassName : Namespace + "." + ClassName;
}

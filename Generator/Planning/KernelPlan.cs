using KernelGen.Generator.Model;

namespace KernelGen.Generator.Planning;

/// <summary>
/// Everything the emitter needs to write one model class's kernels: the spec, and the choices
/// made for it (SIMD paths, tile sizes, unrolling). A pure function of the spec.
/// </summary>
/// <param name="Spec">The model.</param>
/// <param name="HintName">File name of the generated source.</param>
/// <param name="Paths">SIMD paths, widest first; the last is scalar.</param>
/// <param name="KeyBlock">Keys per online-softmax block (decode and prefill).</param>
/// <param name="QueryTile">Query positions per prefill tile.</param>
/// <param name="Patterns">The distinct attention patterns, planned; their <c>Layers</c> cover every layer once.</param>
/// <param name="MaxSegments">Most key segments (decode) or ranges (prefill) one query or tile can produce.</param>
internal sealed record KernelPlan(
    ModelSpec Spec,
    string HintName,
    EquatableArray<SimdPath> Paths,
    int KeyBlock,
    int QueryTile,
    EquatableArray<PatternPlan> Patterns,
    int MaxSegments)
{
    /// <summary>The attention algorithm on each SIMD path, in <see cref="Paths"/>' order (see <see cref="KernelPlanner.PlanAlgorithms"/>).</summary>
    public EquatableArray<AlgorithmPlan> Algorithms { get; init; } = EquatableArray<AlgorithmPlan>.Empty;

    public int HeadDim => Spec.HeadDim;

    /// <summary>True when decode takes the two-pass softmax (<see cref="KernelPlanner.ChoosesTwoPassDecode"/>); derived from the spec.</summary>
    public bool TwoPassDecode => KernelPlanner.ChoosesTwoPassDecode(Spec);

    /// <summary>The microkernels this model's kernels call, one set per SIMD path; none for a generic fallback.</summary>
    public System.Collections.Generic.IEnumerable<MicrokernelPlan> Microkernels =>
        Spec.Fallback is null ? System.Linq.Enumerable.Select(Paths, path => new MicrokernelPlan(HeadDim, path)) : System.Linq.Enumerable.Empty<MicrokernelPlan>();

    public int Group => Spec.GroupSize;

    /// <summary>"GQA: 8 query heads / 4 KV heads, group 2"</summary>
    public string AttentionSummary => Spec.KvHeads == Spec.Heads
        ? $"MHA: {Spec.Heads} query heads, each with its own KV head"
        : Spec.KvHeads == 1
            ? $"MQA: {Spec.Heads} query heads share 1 KV head"
            : $"GQA: {Spec.Heads} query heads / {Spec.KvHeads} KV heads, group {Group}";
}

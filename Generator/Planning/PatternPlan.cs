using KernelGen.Generator.Model;

using KernelGen.Patterns;

namespace KernelGen.Generator.Planning;

/// <summary>One component of a head class's key set, as the emitter writes it.</summary>
internal sealed record ComponentPlan(ComponentKind Kind, int Lo, int Hi, int Period, int Offset, int Width, string Comment);

/// <summary>A head class: the components of its keys and its strided period (0: none).</summary>
internal sealed record HeadClassPlan(EquatableArray<ComponentPlan> Components, int StridePeriod);

/// <summary>A QueryAware layer's selection (the runtime's <c>QueryAwareSelection</c>): block, budget, sinks, window.</summary>
internal sealed record SelectionPlan(int BlockSize, int TokenBudget, int SinkTokens, int Window);

/// <summary>
/// One distinct attention pattern of the model, planned: the name of its kernel methods, the
/// layers that use it, its head classes and their components, block tables baked as data, and the
/// expression that rebuilds it as a runtime <c>AttentionPattern</c>.
/// </summary>
/// <param name="Name">Method suffix: "Dense", "Strided128", "Fixed128x16", ...</param>
/// <param name="Summary">One line for comments: what the pattern attends.</param>
/// <param name="Construction">C# expression for the runtime <c>AttentionPattern</c>; empty for a layout, which the emitter rebuilds from its table.</param>
/// <param name="Layers">The layers that use it.</param>
/// <param name="Classes">Per head class, its components.</param>
/// <param name="HeadsOf">Only with several classes: [kvHead * classes + class] → query heads.</param>
/// <param name="BlockLength">Prefill tiles never cross a multiple of this; 0 for none.</param>
/// <param name="BlockRowStarts">Block patterns: CSR row starts, [table][query block + 1] flattened.</param>
/// <param name="BlockKeys">Block patterns: CSR key blocks, all tables one after another.</param>
/// <param name="BlockRows">Block patterns: query blocks per table.</param>
internal sealed record PatternPlan(
    string Name,
    string Summary,
    string Construction,
    EquatableArray<int> Layers,
    EquatableArray<HeadClassPlan> Classes,
    EquatableArray<EquatableArray<int>> HeadsOf,
    int BlockLength,
    EquatableArray<int> BlockRowStarts,
    EquatableArray<int> BlockKeys,
    int BlockRows)
{
    /// <summary>QueryAware: the selection decode passes to the engine, every field a constant; null for the other patterns.</summary>
    public SelectionPlan? Selection { get; init; }

    public bool HasSeveralClasses => Classes.Count > 1;

    public bool HasBlockTable => BlockKeys.Count > 0;
}

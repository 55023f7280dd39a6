using System;
using System.Collections.Generic;
using System.Linq;
using KernelGen.Patterns;

namespace KernelGen.Kernels;

/// <summary>
/// The generated kernel sets compiled into this process. Every <c>[TransformerModel]</c> class
/// registers itself when its assembly loads (a module initializer the generator emits), so a
/// checkpoint read at run time can find kernels compiled for its shape.
/// </summary>
public static class KernelRegistry
{
    private static readonly object Gate = new();
    private static readonly List<Entry> Entries = new();

    /// <summary>Adds a compiled kernel set. Called by generated code.</summary>
    public static void Register(ModelShape shape, IReadOnlyList<AttentionPattern> layerPatterns, string modelClass, Func<AttentionKernels> create)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(layerPatterns);
        ArgumentNullException.ThrowIfNull(create);
        lock (Gate)
        {
            Entries.Add(new Entry(shape, layerPatterns.ToArray(), modelClass, create));
        }
    }

    /// <summary>The registered model classes, for logs: "Samples.Stories260K (dim 64, ...)".</summary>
    public static IReadOnlyList<string> Describe()
    {
        lock (Gate)
        {
            return Entries.ConvertAll(e => $"{e.ModelClass} ({e.Shape})");
        }
    }

    /// <summary>
    /// Creates generated kernels for <paramref name="shape"/> when a compiled class accepts it (same
    /// attention geometry, see <see cref="ModelShape.Accepts"/>) with the same layer patterns —
    /// dense everywhere when <paramref name="layerPatterns"/> is null, as for a plain checkpoint.
    /// </summary>
    public static bool TryCreate(ModelShape shape, out AttentionKernels? kernels, out string? modelClass, IReadOnlyList<AttentionPattern>? layerPatterns = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        lock (Gate)
        {
            foreach (var entry in Entries)
            {
                bool samePatterns = layerPatterns is null
                    ? entry.LayerPatterns.All(p => p.Kind == SparsePattern.Dense)
                    : entry.LayerPatterns.SequenceEqual(layerPatterns);
                if (entry.Shape.Accepts(shape) && samePatterns)
                {
                    kernels = entry.Create();
                    modelClass = entry.ModelClass;
                    return true;
                }
            }
        }

        kernels = null;
        modelClass = null;
        return false;
    }

    private sealed record Entry(ModelShape Shape, AttentionPattern[] LayerPatterns, string ModelClass, Func<AttentionKernels> Create);
}

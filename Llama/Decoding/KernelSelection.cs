using System;
using System.Collections.Generic;
using KernelGen.Kernels;
using KernelGen.Logging;
using KernelGen.Patterns;
using KernelGen.Threading;
using Microsoft.Extensions.Logging;

namespace KernelGen.Decoding;

/// <summary>Creates the attention kernels a <see cref="KernelChoice"/> names, for a shape known at run time.</summary>
public static class KernelSelection
{
    /// <summary>
    /// Creates kernels for <paramref name="shape"/>. <see cref="KernelChoice.Generated"/> asks
    /// <see cref="KernelRegistry"/> for a compiled class that accepts the shape and falls back to
    /// <see cref="GenericAttention"/> when none does.
    /// </summary>
    /// <param name="shape">The model's shape (for example a checkpoint's).</param>
    /// <param name="choice">The kernels wanted.</param>
    /// <param name="fallbackReason">Why generated kernels were not used, when they were asked for; otherwise null.</param>
    /// <param name="layerPatterns">Each layer's attention pattern (for example a checkpoint's sliding window); null for dense everywhere.</param>
    /// <param name="pool">The threads the kernels run on; null for <see cref="WorkerPool.ForNewKernels"/> (by default one per processor).</param>
    /// <param name="logger">Receives <c>KernelsSelected</c> (Information: which kernels, which SIMD path) and <c>GeneratedKernelsNotUsed</c> (Warning, with the reason); null logs nothing.</param>
    public static AttentionKernels Create(ModelShape shape, KernelChoice choice, out string? fallbackReason, IReadOnlyList<AttentionPattern>? layerPatterns = null,
        WorkerPool? pool = null, ILogger? logger = null)
    {
        var kernels = CreateCore(shape, choice, out fallbackReason, layerPatterns, pool);
        if (logger is not null)
        {
            if (fallbackReason is not null)
            {
                KernelGenLog.GeneratedKernelsNotUsed(logger, shape, fallbackReason);
            }

            if (logger.IsEnabled(LogLevel.Information))
            {
                KernelGenLog.KernelsSelected(logger, shape, kernels.Name, kernels.Description);
            }
        }

        return kernels;
    }

    private static AttentionKernels CreateCore(ModelShape shape, KernelChoice choice, out string? fallbackReason, IReadOnlyList<AttentionPattern>? layerPatterns, WorkerPool? pool)
    {
        ArgumentNullException.ThrowIfNull(shape);
        using var scope = pool is null ? null : WorkerPool.UseForNewKernels(pool);
        fallbackReason = null;
        switch (choice)
        {
            case KernelChoice.Generated:
                if (KernelRegistry.TryCreate(shape, out var generated, out _, layerPatterns) && generated is not null)
                {
                    return generated;
                }

                var compiled = KernelRegistry.Describe();
                fallbackReason = compiled.Count == 0
                    ? "no [TransformerModel] class is compiled into this program"
                    : $"no compiled [TransformerModel] class accepts this shape{(layerPatterns is null ? "" : " and its layer patterns")} (compiled: {string.Join("; ", compiled)})";
                return new GenericAttention(shape, layerPatterns);
            case KernelChoice.Generic:
                return new GenericAttention(shape, layerPatterns);
            case KernelChoice.Reference:
                return new ReferenceAttention(shape, layerPatterns);
            default:
                throw new ArgumentOutOfRangeException(nameof(choice), choice, "Unknown kernel choice.");
        }
    }
}

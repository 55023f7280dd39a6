using System;
using KernelGen.Caching;
using KernelGen.Kernels;

namespace KernelGen.Bench;

/// <summary>
/// Not attention: copies the query to the output after the cache write, so a benchmark can time the
/// rest of the decoder (projections, norms, rotary, SwiGLU, classifier) on its own.
/// </summary>
public sealed class NoAttention(ModelShape shape) : AttentionKernels(shape, "none")
{
    /// <inheritdoc />
    public override string Description => "no attention: the decoder's own cost";

    /// <inheritdoc />
    protected override void DecodeCore(KvCache cache, int layer, int position, ReadOnlySpan<float> query, Span<float> output) => query.CopyTo(output);

    /// <inheritdoc />
    protected override void PrefillCore(KvCache cache, int layer, int start, int count, ReadOnlySpan<float> query, Span<float> output) => query.CopyTo(output);
}

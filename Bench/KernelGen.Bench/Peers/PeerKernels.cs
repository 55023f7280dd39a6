using System;
using KernelGen.Kernels;

namespace KernelGen.Bench.Peers;

/// <summary>The engines the peer benchmarks compare, and our kernel sets by name and shape.</summary>
public static class PeerKernels
{
    /// <summary>ONNX Runtime's <c>GroupQueryAttention</c> contrib operator on the CPU.</summary>
    public const string OnnxRuntime = "onnxruntime";

    /// <summary>Kernels the source generator emitted for the exact shape.</summary>
    public const string Generated = "generated";

    /// <summary>Our vectorized kernels with the shape as run-time values.</summary>
    public const string Generic = "generic";

    /// <summary>head_dim of every decode model (d_model 4096 over 32 query heads).</summary>
    public const int DecodeHeadDim = 128;

    /// <summary>Query heads (and KV heads: MHA) of every prefill model.</summary>
    public const int PrefillHeads = 8;

    /// <summary>The decode model with 32 query heads of 128 and <paramref name="kvHeads"/> KV heads.</summary>
    public static ModelShape DecodeShape(int kvHeads) => kvHeads switch
    {
        32 => Decode32x32.Shape,
        8 => Decode32x8.Shape,
        1 => Decode32x1.Shape,
        _ => throw new ArgumentOutOfRangeException(nameof(kvHeads), kvHeads, "Decode models have 32, 8 or 1 KV heads."),
    };

    /// <summary>The prefill model with 8 heads of <paramref name="headDim"/>.</summary>
    public static ModelShape PrefillShape(int headDim) => headDim switch
    {
        64 => Prefill8x64.Shape,
        128 => Prefill8x128.Shape,
        _ => throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "Prefill models have head_dim 64 or 128."),
    };

    /// <summary>Generated or generic kernels for a decode model.</summary>
    public static AttentionKernels Decode(string engine, int kvHeads) => engine switch
    {
        Generated => kvHeads switch
        {
            32 => Decode32x32.CreateKernels(),
            8 => Decode32x8.CreateKernels(),
            1 => Decode32x1.CreateKernels(),
            _ => throw new ArgumentOutOfRangeException(nameof(kvHeads), kvHeads, "Decode models have 32, 8 or 1 KV heads."),
        },
        Generic => new GenericAttention(DecodeShape(kvHeads)),
        _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, "Our engines are 'generated' and 'generic'."),
    };

    /// <summary>Generated or generic kernels for a prefill model.</summary>
    public static AttentionKernels Prefill(string engine, int headDim) => engine switch
    {
        Generated => headDim switch
        {
            64 => Prefill8x64.CreateKernels(),
            128 => Prefill8x128.CreateKernels(),
            _ => throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "Prefill models have head_dim 64 or 128."),
        },
        Generic => new GenericAttention(PrefillShape(headDim)),
        _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, "Our engines are 'generated' and 'generic'."),
    };
}

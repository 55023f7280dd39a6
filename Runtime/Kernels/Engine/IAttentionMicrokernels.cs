using KernelGen.Caching;

namespace KernelGen.Kernels.Engine;

/// <summary>
/// The arithmetic at the heart of attention, on head_dim-wide rows, as a struct the engine is
/// generic over: the JIT compiles the engine once per implementation and inlines these calls.
/// Generated kernels implement it with head_dim a constant and the loops over it unrolled; the
/// generic kernels with head_dim a field.
/// </summary>
/// <remarks>
/// Both operations are small matrix products on tiles that sit in L1: a tile's query rows
/// against a block of keys (scores), and a tile's probabilities against the block's values
/// (accumulation). Implementations block them in registers — several rows × several keys or
/// several rows × several vectors of head_dim — so each load feeds several fused multiply-adds.
/// Keys and values are read in the cache's own format (the <c>TFormat</c> of each
/// method): each vector is widened to float in registers as it is loaded, never copied.
/// These are the row-dot algorithm; for runs with many rows the engine takes the packed-GEMM
/// algorithm instead (<see cref="PackedAttention"/>), generic over this struct for its head_dim.
/// </remarks>
public interface IAttentionMicrokernels
{
    /// <summary>Floats per head.</summary>
    int HeadDim { get; }

    /// <summary>
    /// <c>s[r·sStride + c] = q_r · k_c</c> for r &lt; <paramref name="rows"/>, c &lt; <paramref name="cols"/>.
    /// Query rows (floats) and key rows (numbers of <typeparamref name="TFormat"/>) are contiguous, head_dim apart.
    /// </summary>
    /// <typeparam name="TFormat">How the keys are stored; a scaled format's scales are the caller's.</typeparam>
    void Scores<TFormat>(ref float q, int rows, ref byte k, int cols, ref float s, int sStride)
        where TFormat : struct, IKvCacheFormat;

    /// <summary>
    /// <c>o_r += Σ_c p[r·pStride + c] · v_c</c> for r &lt; <paramref name="rows"/>, c &lt; <paramref name="cols"/>.
    /// Value rows (numbers of <typeparamref name="TFormat"/>) and output rows (floats) are contiguous, head_dim apart.
    /// </summary>
    /// <typeparam name="TFormat">How the values are stored; a scaled format's scales are the caller's.</typeparam>
    void Accumulate<TFormat>(ref float p, int pStride, int rows, ref byte v, int cols, ref float o)
        where TFormat : struct, IKvCacheFormat;

    /// <summary><c>x[i] *= factor</c> over one head_dim-wide row.</summary>
    void Scale(ref float x, float factor);
}

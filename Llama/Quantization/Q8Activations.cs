using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using KernelGen.Checkpoints;
using KernelGen.Kernels;

namespace KernelGen.Quantization;

/// <summary>
/// The activation vector rounded to 8 bits, as ggml's CPU backend rounds it — Q8_0 blocks for Q8_0,
/// Q4_0 and Q5_0 weights (scale = max|x|/127 stored as float16, q = x·127/max|x| rounded to nearest
/// even), Q8_K super-blocks for the K types (one float32 scale per 256 values) — and the integer
/// matrix-vector kernels that read it, summed exactly in int32 per block, scaled once per block.
/// </summary>
/// <remarks>
/// <para>Error added: each activation moves by at most half a step, max|x_block|/254, a relative
/// error of about 2^-8 of the block's largest value; on the agreement tests' models this moves logits
/// by up to a few percent of the largest (what llama.cpp's logits differ from float32 by, too).</para>
/// <para>The products use <c>vpmaddubsw</c> (unsigned × signed bytes to int16 pairs) then
/// <c>vpmaddwd</c> to int32 (AVX-VNNI's <c>vpdpbusd</c> in one instruction where the machine has it),
/// in 512 bits with AVX-512 BW (Q8Activations.Vector512.cs) or 256 bits with AVX2
/// (Q8Activations.Vector256.cs), four rows per pass, and the two widths give the same bits. Q4_0
/// and Q5_0 weights (offset by 8, 16) enter as unsigned nibbles, the offset removed once per block
/// through the activations' sums (Q4_0's in integers, four blocks of four rows per step:
/// Q8Activations.Q4_0.cs); signed Q8_0 weights take ggml's sign trick, while Q6_K multiplies its
/// unsigned 6-bit values and takes 32·(x pair) off each pair sum. Without
/// AVX2, or with <see cref="SimdPolicy.Bits"/> below 256, the float kernels run instead.</para>
/// <para>Agreement with llama.cpp: Q8_0 products reproduce its AVX2 kernel's float operations, so
/// logits agree to float rounding (5e-7 of the largest). For the other types the integer sums are
/// exact too, but the float operations around them differ from llama.cpp's on these machines (its
/// Q4_0 may run a repacked kernel; its K kernels group scales and minima otherwise), and the last-bit
/// differences are amplified by the next product's 8-bit rounding, a discontinuous step: about 1% of
/// the largest logit on the agreement tests' models. Reproducing each llama.cpp kernel's order
/// exactly, as for Q8_0, is what would close it.</para>
/// </remarks>
public sealed partial class Q8Activations
{
    private readonly sbyte[] _values;
    private readonly float[] _scales;
    private readonly int[] _sums;           // Σq per 32 values
    private readonly float[] _superScales;  // Q8_K: one float scale per 256 values
    private readonly short[] _blockSums;    // Q8_K: Σq per 32 values as int16 (the Q4_K/Q5_K minima in one pmaddwd)
    private readonly short[] _pairOffsets;  // Q8_K: 32·(q_2i + q_2i+1), what Q6_K's offset of 32 takes off each vpmaddubsw pair
    private readonly sbyte[] _doubled;      // Q8_K: each 32 values twice in a row, a zmm's two halves for the Vector512 Q4_K/Q5_K kernels (one load, no insert)
    private bool _superBlocks;              // the last rounding was Q8_K (for the K types), not Q8_0

    /// <summary>Room for vectors of up to <paramref name="maxColumns"/> values (a multiple of 32).</summary>
    public Q8Activations(int maxColumns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxColumns);
        _values = new sbyte[maxColumns + 32];
        _scales = new float[maxColumns / 32 + 1];
        _sums = new int[maxColumns / 32 + 1];
        _superScales = new float[maxColumns / 256 + 1];
        _blockSums = new short[maxColumns / 32 + 8];
        _pairOffsets = new short[maxColumns / 2 + 16];
        _doubled = new sbyte[2 * maxColumns + 64];
        _grouped = new sbyte[maxColumns + 128];
        _nibbleOffsets = new int[4 * (maxColumns / 32) + 16];
        _groupScales = new float[4 * (maxColumns / 32) + 16];
    }

    /// <summary>Values held by the last <see cref="Quantize"/>.</summary>
    public int Length { get; private set; }

    /// <summary>True when this machine and the SIMD policy run the integer kernel for <paramref name="type"/>.</summary>
    public static bool Supports(GgufTensorType type) =>
        Avx2.IsSupported && SimdPolicy.Bits >= 256 && QuantizedBlocks.IsQuantized(type);

    /// <summary>True when <paramref name="type"/> takes Q8_K activations (256 values per scale), as ggml pairs them.</summary>
    public static bool TakesSuperBlocks(GgufTensorType type) => type is GgufTensorType.Q4_K or GgufTensorType.Q5_K or GgufTensorType.Q6_K;

    /// <summary>Rounds <paramref name="x"/> as ggml rounds the activations of a <paramref name="type"/> product (Q8_0, or Q8_K for the K types).</summary>
    public void QuantizeFor(GgufTensorType type, ReadOnlySpan<float> x)
    {
        if (TakesSuperBlocks(type))
        {
            QuantizeSuperBlocks(x);
        }
        else
        {
            Quantize(x);
        }
    }

    /// <summary>
    /// Rounds <paramref name="x"/> (a multiple of 256 values) to Q8_K blocks as ggml's
    /// <c>quantize_row_q8_K_ref</c> does: per 256 values, m the value of largest magnitude (sign kept),
    /// q = min(127, round(x·(−127/m))) to nearest even, scale 1/(−127/m) in float32.
    /// </summary>
    public void QuantizeSuperBlocks(ReadOnlySpan<float> x)
    {
        if (x.Length % 256 != 0 || x.Length > _values.Length - 32)
        {
            throw new ArgumentException($"Q8_K activations come in blocks of 256, up to {_values.Length - 32} values; got {x.Length}.", nameof(x));
        }

        Length = x.Length;
        _superBlocks = true;
        for (int b = 0; b < x.Length / 256; b++)
        {
            var block = x.Slice(256 * b, 256);
            float max = 0, largest = 0;
            foreach (float v in block)
            {
                if (Math.Abs(v) > largest)
                {
                    largest = Math.Abs(v);
                    max = v;
                }
            }

            float inverse = largest == 0 ? 0 : -127f / max;
            _superScales[b] = largest == 0 ? 0 : 1 / inverse;
            for (int j = 0; j < 8; j++)
            {
                int sum = 0;
                for (int i = 0; i < 32; i++)
                {
                    int q = Math.Min(127, (int)MathF.Round(inverse * block[32 * j + i], MidpointRounding.ToEven));
                    _values[256 * b + 32 * j + i] = (sbyte)q;
                    sum += q;
                }

                // |Σq| ≤ 32·127 fits int16.
                _sums[8 * b + j] = sum;
                _blockSums[8 * b + j] = (short)sum;
            }

            for (int i = 0; i < 128; i++)
            {
                _pairOffsets[128 * b + i] = (short)(32 * (_values[256 * b + 2 * i] + _values[256 * b + 2 * i + 1]));
            }

            for (int i = 0; i < 8; i++)
            {
                var slice = _values.AsSpan(256 * b + 32 * i, 32);
                slice.CopyTo(_doubled.AsSpan(512 * b + 64 * i));
                slice.CopyTo(_doubled.AsSpan(512 * b + 64 * i + 32));
            }
        }
    }

    /// <summary>Rounds <paramref name="x"/> (a multiple of 32 values) to 8-bit blocks.</summary>
    public void Quantize(ReadOnlySpan<float> x)
    {
        if (x.Length % 32 != 0 || x.Length > _values.Length - 32)
        {
            throw new ArgumentException($"Activations are rounded in blocks of 32, up to {_values.Length - 32} values; got {x.Length}.", nameof(x));
        }

        Length = x.Length;
        _superBlocks = false;
        for (int b = 0; b < x.Length / 32; b++)
        {
            var block = x.Slice(32 * b, 32);
            float max = 0;
            foreach (float v in block)
            {
                max = Math.Max(max, Math.Abs(v));
            }

            float inverse = max != 0 ? 127f / max : 0f;
            _scales[b] = (float)(Half)(max / 127f);
            int sum = 0;
            for (int i = 0; i < 32; i++)
            {
                int q = (int)MathF.Round(block[i] * inverse, MidpointRounding.ToEven);
                _values[32 * b + i] = (sbyte)q;
                sum += q;
            }

            _sums[b] = sum;
        }

        Group(x.Length / 32);
    }

    /// <summary>Rows <paramref name="firstRow"/>.. of y = W·x̃ (or +=) for x̃ the quantized activations.</summary>
    /// <exception cref="ArgumentException">The matrix's type has no integer kernel here, or the shapes do not fit.</exception>
    public void Multiply(QuantizedMatrix matrix, Span<float> y, int firstRow, bool accumulate) =>
        Multiply(matrix, y, firstRow, accumulate, Supports512 ? 512 : 256);

    /// <summary>True when the Vector512 integer kernels run: the policy's width is 512 and the hardware has AVX-512 BW.</summary>
    internal static bool Supports512 => SimdPolicy.Bits >= 512 && Avx512BW.IsSupported;

    /// <summary>As <see cref="Multiply(QuantizedMatrix, Span{float}, int, bool)"/> on the path of <paramref name="bits"/> (512 needs AVX-512 BW, 256 AVX2): the tests run both on one machine.</summary>
    internal void Multiply(QuantizedMatrix matrix, Span<float> y, int firstRow, bool accumulate, int bits)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (!Supports(matrix.Type) || TakesSuperBlocks(matrix.Type) != _superBlocks || matrix.Columns != Length || firstRow < 0 || (long)firstRow + y.Length > matrix.Rows)
        {
            throw new ArgumentException($"No integer product of {matrix} with {Length} quantized activations into rows {firstRow}..{firstRow + y.Length - 1}.", nameof(matrix));
        }

        if (bits is not (512 or 256) || (bits == 512 && !Avx512BW.IsSupported))
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "The integer kernels have a Vector512 path (AVX-512 BW) and a Vector256 path (AVX2).");
        }

        ref byte rows = ref Unsafe.Add(ref MemoryMarshal.GetReference(matrix.Bytes), (nint)firstRow * matrix.RowBytes);
        int blocks = matrix.Columns / 32;
        if (bits == 512)
        {
            Multiply512(matrix.Type, ref rows, matrix.RowBytes, blocks, y, accumulate);
            return;
        }

        Multiply256(matrix.Type, ref rows, matrix.RowBytes, blocks, y, accumulate);
    }

    /// <summary>Eight int32 lanes of Σ u·s over four byte pairs each: VNNI's one instruction, or AVX2's two.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> DotBytes(Vector256<byte> unsigned, Vector256<sbyte> signed)
    {
        if (AvxVnni.IsSupported)
        {
            return AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, unsigned, signed);
        }

        return Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(unsigned, signed), Vector256.Create((short)1));
    }
}

/// <summary>A 32-value block's integers against 32 int8 activations.</summary>
internal interface IIntegerBlock
{
    /// <summary>Bytes per block.</summary>
    static abstract int BlockBytes { get; }

    /// <summary>What the block's unsigned integers are offset by (q = u − offset); 0 for signed Q8_0.</summary>
    static abstract int Offset { get; }

    /// <summary>Σ u·x in int32 lanes (partial sums, 8 lanes).</summary>
    static abstract Vector256<int> Dot(ref byte block, Vector256<sbyte> x);
}

/// <summary>Q8_0: signed weights, so |w| times x carrying w's sign (ggml's trick for vpmaddubsw's unsigned operand).</summary>
internal readonly struct Q8_0Bytes : IIntegerBlock
{
    public static int BlockBytes => 34;

    public static int Offset => 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(ref byte block, Vector256<sbyte> x)
    {
        var w = Vector256.LoadUnsafe(ref Unsafe.Add(ref block, 2)).AsSByte();
        return Q8Activations.DotBytes(Avx2.Abs(w), Avx2.Sign(x, w));
    }
}

/// <summary>Q4_0: the 32 nibbles as unsigned bytes (low nibbles values 0–15, high nibbles 16–31), offset 8.</summary>
internal readonly struct Q4_0Bytes : IIntegerBlock
{
    public static int BlockBytes => 18;

    public static int Offset => 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(ref byte block, Vector256<sbyte> x) => Q8Activations.DotBytes(Nibbles(ref block), x);

    /// <summary>
    /// The block's 16 bytes in both lanes (one vbroadcasti128 from the pinned matrix), the high lane's
    /// shifted right by 4, then masked: low nibbles in the low lane, high nibbles in the high lane.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<byte> Nibbles(ref byte block)
    {
        var qs = Avx2.BroadcastVector128ToVector256((byte*)Unsafe.AsPointer(ref Unsafe.Add(ref block, 2))).AsUInt32();
        return Avx2.ShiftRightLogicalVariable(qs, Vector256.Create(0u, 0, 0, 0, 4, 4, 4, 4)).AsByte() & Vector256.Create((byte)0x0F);
    }
}

/// <summary>Q5_0: nibbles with the fifth bit of qh, as unsigned bytes, offset 16.</summary>
internal readonly struct Q5_0Bytes : IIntegerBlock
{
    public static int BlockBytes => 22;

    public static int Offset => 16;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(ref byte block, Vector256<sbyte> x) => Q8Activations.DotBytes(Unsigned(ref block), x);

    /// <summary>The 32 unsigned integers u (q = u − 16) in value order: value j's fifth bit is bit j of qh.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Unsigned(ref byte block)
    {
        var qs = Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 6));
        var nibbles = Vector256.Create(qs & Vector128.Create((byte)0x0F), Vector128.ShiftRightLogical(qs, 4));

        // qh in every 128-bit lane; byte j picks qh's byte j/8 (vpshufb within the lane), masks bit j%8, compares.
        var spread = Avx2.Shuffle(Vector256.Create(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref block, 2))).AsByte(),
            Vector256.Create(0UL, 0x0101010101010101UL, 0x0202020202020202UL, 0x0303030303030303UL).AsByte());
        var mask = Vector256.Create(0x8040201008040201UL).AsByte();
        return nibbles | (Vector256.Equals(spread & mask, mask) & Vector256.Create((byte)16));
    }
}

using System;

namespace KernelGen.Caching;

/// <summary>What each <see cref="KvCacheFormat"/> costs and how it is named; encoding and decoding outside the kernels.</summary>
public static class KvCacheFormats
{
    /// <summary>Every format, in order: f32, bf16, f16, int8.</summary>
    public static ReadOnlySpan<KvCacheFormat> All => new[] { KvCacheFormat.Float32, KvCacheFormat.BFloat16, KvCacheFormat.Float16, KvCacheFormat.Int8 };

    /// <summary>Bytes per stored number.</summary>
    public static int ElementBytes(KvCacheFormat format) => format switch
    {
        KvCacheFormat.Float32 => KvFloat32.ElementBytes,
        KvCacheFormat.BFloat16 => KvBFloat16.ElementBytes,
        KvCacheFormat.Float16 => KvFloat16.ElementBytes,
        KvCacheFormat.Int8 => KvInt8.ElementBytes,
        _ => throw Unknown(format),
    };

    /// <summary>True when rows carry a float scale (int8).</summary>
    public static bool IsScaled(KvCacheFormat format) => format switch
    {
        KvCacheFormat.Float32 => KvFloat32.Scaled,
        KvCacheFormat.BFloat16 => KvBFloat16.Scaled,
        KvCacheFormat.Float16 => KvFloat16.Scaled,
        KvCacheFormat.Int8 => KvInt8.Scaled,
        _ => throw Unknown(format),
    };

    /// <summary>
    /// Bytes one position of one KV head costs for its key and value together: 2 · head_dim · element
    /// bytes, plus two float scales for int8.
    /// </summary>
    public static long BytesPerPosition(KvCacheFormat format, int headDim) =>
        2L * headDim * ElementBytes(format) + (IsScaled(format) ? 2 * sizeof(float) : 0);

    /// <summary>The short name the command line and the benchmarks use: "f32", "bf16", "f16", "int8".</summary>
    public static string ShortName(KvCacheFormat format) => format switch
    {
        KvCacheFormat.Float32 => "f32",
        KvCacheFormat.BFloat16 => "bf16",
        KvCacheFormat.Float16 => "f16",
        KvCacheFormat.Int8 => "int8",
        _ => throw Unknown(format),
    };

    /// <summary>
    /// Reads a format's name: f32/fp32/float32, bf16/bfloat16, f16/fp16/float16/half, q8/int8/q8_0
    /// (case-insensitive). Returns false for anything else.
    /// </summary>
    public static bool TryParse(string? text, out KvCacheFormat format)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "f32" or "fp32" or "float32":
                format = KvCacheFormat.Float32;
                return true;
            case "bf16" or "bfloat16":
                format = KvCacheFormat.BFloat16;
                return true;
            case "f16" or "fp16" or "float16" or "half":
                format = KvCacheFormat.Float16;
                return true;
            case "q8" or "int8" or "q8_0" or "i8":
                format = KvCacheFormat.Int8;
                return true;
            default:
                format = default;
                return false;
        }
    }

    /// <summary>Stores one row in <paramref name="format"/>; returns its scale (1 for unscaled formats).</summary>
    public static float Encode(KvCacheFormat format, ReadOnlySpan<float> source, Span<byte> target) => format switch
    {
        KvCacheFormat.Float32 => KvFloat32.Encode(source, target),
        KvCacheFormat.BFloat16 => KvBFloat16.Encode(source, target),
        KvCacheFormat.Float16 => KvFloat16.Encode(source, target),
        KvCacheFormat.Int8 => KvInt8.Encode(source, target),
        _ => throw Unknown(format),
    };

    /// <summary>Widens one stored row back to float, times <paramref name="scale"/>: exactly the numbers the kernels compute with.</summary>
    public static void Decode(KvCacheFormat format, ReadOnlySpan<byte> source, float scale, Span<float> target)
    {
        switch (format)
        {
            case KvCacheFormat.Float32:
                Decode<KvFloat32>(source, scale, target);
                break;
            case KvCacheFormat.BFloat16:
                Decode<KvBFloat16>(source, scale, target);
                break;
            case KvCacheFormat.Float16:
                Decode<KvFloat16>(source, scale, target);
                break;
            case KvCacheFormat.Int8:
                Decode<KvInt8>(source, scale, target);
                break;
            default:
                throw Unknown(format);
        }
    }

    /// <summary>Rounds <paramref name="values"/> in place through <paramref name="format"/> and back: what a cache of that format would hold.</summary>
    public static void RoundTrip(KvCacheFormat format, Span<float> values)
    {
        var bytes = new byte[values.Length * ElementBytes(format)];
        float scale = Encode(format, values, bytes);
        Decode(format, bytes, IsScaled(format) ? scale : 1f, values);
    }

    private static void Decode<TFormat>(ReadOnlySpan<byte> source, float scale, Span<float> target)
        where TFormat : struct, IKvCacheFormat
    {
        ref byte row = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source);
        for (int i = 0; i < target.Length; i++)
        {
            target[i] = TFormat.Scaled ? scale * TFormat.Load(ref row, i) : TFormat.Load(ref row, i);
        }
    }

    private static ArgumentOutOfRangeException Unknown(KvCacheFormat format) =>
        new(nameof(format), format, $"KV cache format {(int)format} is not one of Float32, BFloat16, Float16, Int8.");
}

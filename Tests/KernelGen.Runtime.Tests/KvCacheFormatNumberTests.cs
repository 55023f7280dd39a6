using System;
using System.Runtime.InteropServices;
using KernelGen.Caching;
using System.Runtime.Intrinsics;
using Xunit;

namespace KernelGen.Runtime.Tests;

/// <summary>
/// Each format's widening loads give exactly the stored numbers on every vector width, and its
/// encoding rounds to nearest (even on ties). Every bit pattern of the 16- and 8-bit formats is checked.
/// </summary>
[Trait("Category", "Simd")]
public class KvCacheFormatNumberTests
{
    [Fact]
    public void Float16_EveryFinitePattern_WidensExactlyOnEveryWidth()
    {
        var bits = new ushort[65536];
        for (int i = 0; i < bits.Length; i++)
        {
            bits[i] = (ushort)i;
        }

        var expected = new float[bits.Length];
        for (int i = 0; i < bits.Length; i++)
        {
            expected[i] = (float)BitConverter.UInt16BitsToHalf(bits[i]);
        }

        AssertWidens<KvFloat16>(MemoryMarshal.AsBytes(bits.AsSpan()).ToArray(), expected, skip: i => !float.IsFinite(expected[i]));
    }

    [Fact]
    public void BFloat16_EveryPattern_WidensToItsTopBits()
    {
        var bits = new ushort[65536];
        var expected = new float[bits.Length];
        for (int i = 0; i < bits.Length; i++)
        {
            bits[i] = (ushort)i;
            expected[i] = BitConverter.Int32BitsToSingle(i << 16);
        }

        AssertWidens<KvBFloat16>(MemoryMarshal.AsBytes(bits.AsSpan()).ToArray(), expected, skip: i => float.IsNaN(expected[i]));
    }

    [Fact]
    public void Int8_EveryValue_WidensExactly()
    {
        var bytes = new byte[256];
        var expected = new float[256];
        for (int i = 0; i < 256; i++)
        {
            bytes[i] = (byte)i;
            expected[i] = (sbyte)i;
        }

        AssertWidens<KvInt8>(bytes, expected, skip: _ => false);
    }

    [Fact]
    public void BFloat16_RoundsToNearestEven()
    {
        // 1 + 2^-8 lies halfway between 1 and the next bfloat16 (1 + 2^-7): ties go to the even one, 1.
        Assert.Equal(1f, Widen(KvBFloat16.Round(1f + 1f / 256)));
        Assert.Equal(1f + 2f / 128, Widen(KvBFloat16.Round(1f + 3f / 256)));   // tie between 1+2^-7 (odd) and 1+2^-6: up
        Assert.Equal(1f + 1f / 128, Widen(KvBFloat16.Round(1f + 1f / 256 + 1f / 65536)));   // just above the tie: up
        var random = new Random(3);
        for (int n = 0; n < 100_000; n++)
        {
            float x = (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-30, 30)));
            float rounded = Widen(KvBFloat16.Round(x));
            uint bits = BitConverter.SingleToUInt32Bits(x) & 0xFFFF0000u;
            float down = BitConverter.UInt32BitsToSingle(bits), up = BitConverter.UInt32BitsToSingle(bits + 0x10000u);
            double best = Math.Min(Math.Abs((double)x - down), Math.Abs((double)x - up));
            Assert.True(Math.Abs((double)x - rounded) <= best, $"{x:R} rounded to {rounded:R}, but {down:R} or {up:R} is nearer");
        }

        Assert.True(float.IsNaN(Widen(KvBFloat16.Round(float.NaN))));
    }

    [Fact]
    public void Float16_SaturatesInsteadOfStoringInfinity()
    {
        Assert.Equal(KvFloat16.MaxValue, (float)BitConverter.UInt16BitsToHalf(KvFloat16.Round(1e6f)));
        Assert.Equal(-KvFloat16.MaxValue, (float)BitConverter.UInt16BitsToHalf(KvFloat16.Round(float.NegativeInfinity)));
        Assert.Equal(0f, (float)BitConverter.UInt16BitsToHalf(KvFloat16.Round(float.NaN)));
        Assert.Equal((float)(Half)0.1f, (float)BitConverter.UInt16BitsToHalf(KvFloat16.Round(0.1f)));
    }

    [Fact]
    public void Int8_KeepsEveryNumberWithinHalfAStep()
    {
        var random = new Random(4);
        var row = new float[128];
        var stored = new byte[128];
        var back = new float[128];
        for (int n = 0; n < 1000; n++)
        {
            float spread = (float)Math.Pow(10, random.Next(-6, 6));
            for (int i = 0; i < row.Length; i++)
            {
                row[i] = (float)(random.NextDouble() * 2 - 1) * spread;
            }

            float scale = KvInt8.Encode(row, stored);
            KvCacheFormats.Decode(KvCacheFormat.Int8, stored, scale, back);
            for (int i = 0; i < row.Length; i++)
            {
                Assert.True(Math.Abs(back[i] - row[i]) <= scale * 0.5f * (1 + 1e-5f), $"{row[i]} came back as {back[i]} (scale {scale})");
            }
        }
    }

    [Fact]
    public void FormatNames_ParseAndPrint()
    {
        foreach (var (text, format) in new[] { ("f32", KvCacheFormat.Float32), ("bf16", KvCacheFormat.BFloat16), ("F16", KvCacheFormat.Float16), ("q8", KvCacheFormat.Int8), ("int8", KvCacheFormat.Int8) })
        {
            Assert.True(KvCacheFormats.TryParse(text, out var parsed));
            Assert.Equal(format, parsed);
        }

        Assert.False(KvCacheFormats.TryParse("q4", out _));
        Assert.Equal("bf16", KvCacheFormats.ShortName(KvCacheFormat.BFloat16));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KvCache(1, 1, 8, 4, (KvCacheFormat)9));
    }

    private static float Widen(ushort bfloat16) => BitConverter.Int32BitsToSingle(bfloat16 << 16);

    /// <summary>Load512/256/128 at every aligned index and Load at every index equal <paramref name="expected"/>.</summary>
    private static void AssertWidens<TFormat>(byte[] stored, float[] expected, Func<int, bool> skip)
        where TFormat : struct, IKvCacheFormat
    {
        ref byte row = ref MemoryMarshal.GetArrayDataReference(stored);
        var lanes = new float[16];
        for (int i = 0; i < expected.Length; i++)
        {
            if (!skip(i))
            {
                Assert.Equal(expected[i], TFormat.Load(ref row, i));
            }
        }

        for (int width = 4; width <= 16; width *= 2)
        {
            for (int i = 0; i + width <= expected.Length; i += width)
            {
                switch (width)
                {
                    case 4:
                        TFormat.Load128(ref row, (nuint)i).CopyTo(lanes);
                        break;
                    case 8:
                        TFormat.Load256(ref row, (nuint)i).CopyTo(lanes);
                        break;
                    default:
                        TFormat.Load512(ref row, (nuint)i).CopyTo(lanes);
                        break;
                }

                for (int lane = 0; lane < width; lane++)
                {
                    if (!skip(i + lane) && lanes[lane] != expected[i + lane])
                    {
                        Assert.Fail($"{typeof(TFormat).Name}: {width}-lane load at {i}, lane {lane}: {lanes[lane]:R}, expected {expected[i + lane]:R}");
                    }
                }
            }
        }
    }
}

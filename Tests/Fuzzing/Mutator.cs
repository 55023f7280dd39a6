using System;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace KernelGen.Fuzzing;

/// <summary>
/// Seeded mutations of valid inputs, the way hostile files lie: fields set to 0, −1, 2^31, 2^63 and
/// other boundary values, lengths and counts that lie, truncation, NaN and huge exponents, stray
/// bytes (NUL among them). One instance per input, so each input is reproducible from its seed.
/// </summary>
internal sealed class Mutator
{
    private static readonly long[] Interesting32 =
    [
        0, 1, 2, 3, 7, 8, 16, 255, 256, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 1 << 20, 1 << 24,
        (1 << 30) - 1, 1 << 30, int.MaxValue, int.MinValue, -1, -2, uint.MaxValue - 1,
    ];

    private static readonly long[] Interesting64 =
    [
        0, 1, -1, int.MaxValue, 1L << 31, 1L << 32, 1L << 40, long.MaxValue, long.MinValue, long.MaxValue - 7,
    ];

    private static readonly float[] InterestingFloats =
    [
        0f, -0f, 0.5f, 1f, -1f, 1e-38f, 1e-45f, float.MaxValue, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e30f,
    ];

    private static readonly string[] InterestingNumbers =
    [
        "0", "-1", "1", "2147483647", "2147483648", "-2147483648", "4294967296", "9223372036854775807", "18446744073709551616",
        "1e300", "1e-50", "0.5", "1e999", "-0", "1048576", "1073741824", "3.5", "01", "1e", "--1",
    ];

    private static readonly string[] InterestingText = ["\0", "\"", "{", "}", "[", "]", ",", ":", "\\", "\n", "null", "true", "\u2581", "\uFFFD", "\uD800"];

    private readonly Random _random;

    public Mutator(int seed)
    {
        Seed = seed;
        _random = new Random(seed);
    }

    /// <summary>The seed this input was made from (to rerun it alone).</summary>
    public int Seed { get; }

    /// <summary>A random integer in [0, <paramref name="max"/>).</summary>
    public int Next(int max) => _random.Next(max);

    /// <summary>
    /// 1 to 4 mutations of <paramref name="original"/>; most land in its first
    /// <paramref name="hotBytes"/> (the header, where the lies that matter live), the rest anywhere.
    /// </summary>
    public byte[] Binary(byte[] original, int hotBytes)
    {
        var bytes = (byte[])original.Clone();
        int count = 1 + _random.Next(4);
        for (int i = 0; i < count && bytes.Length > 0; i++)
        {
            int region = _random.Next(10) < 8 ? Math.Min(hotBytes, bytes.Length) : bytes.Length;
            int at = _random.Next(region);
            switch (_random.Next(9))
            {
                case 0:
                case 1:
                    if (at + 4 <= bytes.Length)
                    {
                        at &= ~3;
                        long value = _random.Next(4) == 0 ? (long)BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at)) * (_random.Next(2) == 0 ? 2 : -1) + _random.Next(3) - 1 : Interesting32[_random.Next(Interesting32.Length)];
                        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), unchecked((int)value));
                    }

                    break;
                case 2:
                    if (at + 8 <= bytes.Length)
                    {
                        at &= ~3;
                        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at), Interesting64[_random.Next(Interesting64.Length)]);
                    }

                    break;
                case 3:
                    if (at + 4 <= bytes.Length)
                    {
                        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(at & ~3), InterestingFloats[_random.Next(InterestingFloats.Length)]);
                    }

                    break;
                case 4:
                    bytes[at] = (byte)_random.Next(256);
                    break;
                case 5:
                    bytes[at] ^= (byte)(1 << _random.Next(8));
                    break;
                case 6:
                    return bytes.AsSpan(0, _random.Next(bytes.Length)).ToArray();   // truncation ends the mutations
                case 7:
                    {
                        // A chunk repeated: lengths and offsets after it no longer add up.
                        int length = Math.Min(bytes.Length - at, 1 + _random.Next(64));
                        var grown = new byte[bytes.Length + length];
                        bytes.AsSpan(0, at + length).CopyTo(grown);
                        bytes.AsSpan(at).CopyTo(grown.AsSpan(at + length));
                        bytes = grown;
                        break;
                    }

                default:
                    {
                        int length = Math.Min(bytes.Length - at, 1 + _random.Next(16));
                        var shrunk = new byte[bytes.Length - length];
                        bytes.AsSpan(0, at).CopyTo(shrunk);
                        bytes.AsSpan(at + length).CopyTo(shrunk.AsSpan(at));
                        bytes = shrunk;
                        break;
                    }
            }
        }

        return bytes;
    }

    /// <summary>1 to 3 mutations of a text file (JSON, a layout): numbers set to extremes, characters inserted or removed, lines repeated, truncation.</summary>
    public string Text(string original)
    {
        string text = original;
        int count = 1 + _random.Next(3);
        for (int i = 0; i < count && text.Length > 0; i++)
        {
            int at = _random.Next(text.Length);
            switch (_random.Next(7))
            {
                case 0:
                case 1:
                case 2:
                    {
                        var numbers = Regex.Matches(text, @"-?\d+(\.\d+)?([eE][-+]?\d+)?");
                        if (numbers.Count > 0)
                        {
                            var number = numbers[_random.Next(numbers.Count)];
                            text = text.Substring(0, number.Index) + InterestingNumbers[_random.Next(InterestingNumbers.Length)] + text.Substring(number.Index + number.Length);
                        }

                        break;
                    }

                case 3:
                    text = text.Insert(at, InterestingText[_random.Next(InterestingText.Length)]);
                    break;
                case 4:
                    text = text.Remove(at, Math.Min(text.Length - at, 1 + _random.Next(8)));
                    break;
                case 5:
                    {
                        // A line repeated up to 2^k times: duplicate keys, extra rows, extra heads.
                        var lines = text.Split('\n');
                        int line = _random.Next(lines.Length);
                        var repeated = new StringBuilder();
                        for (int r = 0, times = 1 << _random.Next(11); r < times; r++)
                        {
                            repeated.Append(lines[line]).Append('\n');
                        }

                        lines[line] = repeated.ToString().TrimEnd('\n');
                        text = string.Join("\n", lines);
                        break;
                    }

                default:
                    return text.Substring(0, at);
            }
        }

        return text;
    }

    /// <summary>Reads how many inputs a target runs: <c>KERNELGEN_FUZZ_ITERATIONS</c>, else <paramref name="fallback"/>.</summary>
    public static int Iterations(int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable("KERNELGEN_FUZZ_ITERATIONS"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : fallback;

    /// <summary>The first seed of a run: <c>KERNELGEN_FUZZ_SEED</c>, else <paramref name="fallback"/> (fixed, so the normal run is the same every time).</summary>
    public static int FirstSeed(int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable("KERNELGEN_FUZZ_SEED"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int seed) ? seed : fallback;
}

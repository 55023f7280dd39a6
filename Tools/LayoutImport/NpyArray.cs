using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace KernelGen.Tools.LayoutImport;

/// <summary>
/// A numpy array read from a .npy file (what <c>numpy.save</c> writes), for boolean, integer and
/// floating-point element types of either byte order, C or Fortran order.
/// </summary>
/// <remarks>
/// The format (numpy's <c>numpy.lib.format</c>): the magic <c>\x93NUMPY</c>, a major and minor
/// version byte, the header length (2 bytes little-endian in version 1, 4 bytes in versions 2 and
/// 3), the header (a Python dict literal such as <c>{'descr': '&lt;i8', 'fortran_order': False,
/// 'shape': (4, 16, 16), }</c>, padded with spaces to a multiple of 64 bytes and ended by a
/// newline), then the elements, nothing after them. Every part is checked; a problem names the file.
/// </remarks>
public sealed class NpyArray
{
    private static readonly byte[] Magic = { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };
    private const int MaxHeaderLength = 1 << 16;

    private readonly byte[] _data;
    private readonly int _dataOffset;

    private NpyArray(string descr, char kind, int itemSize, bool bigEndian, bool fortranOrder, int[] shape, byte[] data, int dataOffset)
    {
        Descr = descr;
        Kind = kind;
        ItemSize = itemSize;
        BigEndian = bigEndian;
        FortranOrder = fortranOrder;
        Shape = shape;
        _data = data;
        _dataOffset = dataOffset;
        long count = 1;
        foreach (int dimension in shape)
        {
            count *= dimension;
        }

        Count = count;
    }

    /// <summary>The element type as numpy writes it, such as <c>&lt;i8</c>, <c>|b1</c> or <c>&lt;f4</c>.</summary>
    public string Descr { get; }

    /// <summary>'b' boolean, 'i' signed integer, 'u' unsigned integer, 'f' floating point.</summary>
    public char Kind { get; }

    /// <summary>Bytes per element.</summary>
    public int ItemSize { get; }

    /// <summary>Elements are stored most significant byte first.</summary>
    public bool BigEndian { get; }

    /// <summary>Elements are stored with the first index varying fastest.</summary>
    public bool FortranOrder { get; }

    /// <summary>The dimensions.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>Number of elements.</summary>
    public long Count { get; }

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="NpyFormatException">The file is not a .npy array this reader supports; the message says why.</exception>
    public static NpyArray Read(string path) => Parse(path, File.ReadAllBytes(path));

    /// <summary>Reads .npy bytes; <paramref name="name"/> names them in errors.</summary>
    /// <exception cref="NpyFormatException">The bytes are not a .npy array this reader supports; the message says why.</exception>
    public static NpyArray Parse(string name, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length < Magic.Length + 2 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new NpyFormatException(name, "not a .npy file: it does not start with the magic \\x93NUMPY");
        }

        int major = bytes[6];
        int headerLength, headerStart;
        switch (major)
        {
            case 1:
                Need(name, bytes, 10, "the header length");
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
                headerStart = 10;
                break;
            case 2:
            case 3:
                Need(name, bytes, 12, "the header length");
                uint length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
                if (length > MaxHeaderLength)
                {
                    throw new NpyFormatException(name, Format("the header claims {0} bytes; a .npy header of an array is a few hundred", length));
                }

                headerLength = (int)length;
                headerStart = 12;
                break;
            default:
                throw new NpyFormatException(name, Format("format version {0}.{1} is not one numpy writes (1.0, 2.0 or 3.0)", major, bytes[7]));
        }

        Need(name, bytes, headerStart + headerLength, "the header");
        var headerBytes = bytes.AsSpan(headerStart, headerLength);
        string header = major == 3 ? Encoding.UTF8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        var (descr, fortranOrder, shape) = ParseHeader(name, header);
        var (kind, itemSize, bigEndian) = ParseDescr(name, descr);

        // Each dimension is below 2^31; the product is capped just above what the file can hold, so it cannot overflow.
        long actual = bytes.Length - (headerStart + headerLength);
        long most = actual / itemSize + 1, count = Array.IndexOf(shape, 0) >= 0 ? 0 : 1;
        bool capped = false;
        foreach (int dimension in shape)
        {
            capped |= count * dimension > most;
            count = Math.Min(count * dimension, most);
        }

        if (count * itemSize != actual)
        {
            string needs = capped ? "more than " + actual.ToString(CultureInfo.InvariantCulture) : (count * itemSize).ToString(CultureInfo.InvariantCulture);
            throw new NpyFormatException(name, Format(
                "shape ({0}) of {1} needs {2} bytes of data, but the file has {3}{4}",
                string.Join(", ", shape), descr, needs, actual, count * itemSize > actual ? " (truncated?)" : " (bytes after the array)"));
        }

        return new NpyArray(descr, kind, itemSize, bigEndian, fortranOrder, shape, bytes, headerStart + headerLength);
    }

    /// <summary>The element at <paramref name="index"/> (one index per dimension), as a double.</summary>
    public double this[params int[] index]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(index);
            if (index.Length != Shape.Count)
            {
                throw new ArgumentException(Format("the array has {0} dimensions, not {1}", Shape.Count, index.Length), nameof(index));
            }

            long flat = 0;
            for (int d = 0; d < index.Length; d++)
            {
                int dimension = FortranOrder ? index.Length - 1 - d : d;
                ArgumentOutOfRangeException.ThrowIfNegative(index[dimension]);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index[dimension], Shape[dimension]);
                flat = flat * Shape[dimension] + index[dimension];
            }

            return Element(flat);
        }
    }

    private double Element(long flat)
    {
        var span = _data.AsSpan(_dataOffset + checked((int)(flat * ItemSize)), ItemSize);
        bool swap = BigEndian == BitConverter.IsLittleEndian && ItemSize > 1;
        Span<byte> item = stackalloc byte[8];
        span.CopyTo(item);
        if (swap)
        {
            item.Slice(0, ItemSize).Reverse();
        }

        return (Kind, ItemSize) switch
        {
            ('b', 1) => item[0],
            ('i', 1) => (sbyte)item[0],
            ('u', 1) => item[0],
            ('i', 2) => BitConverter.ToInt16(item),
            ('u', 2) => BitConverter.ToUInt16(item),
            ('i', 4) => BitConverter.ToInt32(item),
            ('u', 4) => BitConverter.ToUInt32(item),
            ('i', 8) => BitConverter.ToInt64(item),
            ('u', 8) => BitConverter.ToUInt64(item),
            ('f', 2) => (double)BitConverter.ToHalf(item),
            ('f', 4) => BitConverter.ToSingle(item),
            _ => BitConverter.ToDouble(item),
        };
    }

    /// <summary>The header dict: its three keys, each exactly once, and nothing else.</summary>
    private static (string Descr, bool FortranOrder, int[] Shape) ParseHeader(string name, string header)
    {
        var reader = new HeaderReader(name, header.TrimEnd(' ', '\n', '\0'));
        string? descr = null;
        bool? fortranOrder = null;
        int[]? shape = null;
        reader.Expect('{');
        while (!reader.TryTake('}'))
        {
            string key = reader.String();
            reader.Expect(':');
            switch (key)
            {
                case "descr" when descr is null:
                    descr = reader.String();
                    break;
                case "fortran_order" when fortranOrder is null:
                    fortranOrder = reader.Boolean();
                    break;
                case "shape" when shape is null:
                    shape = reader.Tuple();
                    break;
                default:
                    throw new NpyFormatException(name, "the header has an unexpected or repeated key '" + key + "'; numpy writes descr, fortran_order and shape once each");
            }

            if (!reader.TryTake(','))
            {
                reader.Expect('}');
                break;
            }
        }

        reader.End();
        if (descr is null || fortranOrder is null || shape is null)
        {
            throw new NpyFormatException(name, "the header lacks " + (descr is null ? "'descr'" : fortranOrder is null ? "'fortran_order'" : "'shape'"));
        }

        return (descr, fortranOrder.Value, shape);
    }

    /// <summary>Element types: b1; i1, i2, i4, i8; u1, u2, u4, u8; f2, f4, f8; byte order '&lt;', '&gt;', '|' or '='.</summary>
    private static (char Kind, int Size, bool BigEndian) ParseDescr(string name, string descr)
    {
        if (descr.Length == 3 && "<>|=".IndexOf(descr[0]) >= 0 && int.TryParse(descr.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int size))
        {
            char kind = descr[1];
            bool supported = kind switch
            {
                'b' => size == 1,
                'i' or 'u' => size is 1 or 2 or 4 or 8,
                'f' => size is 2 or 4 or 8,
                _ => false,
            };
            if (supported)
            {
                return (kind, size, descr[0] == '>' || (descr[0] == '=' && !BitConverter.IsLittleEndian));
            }
        }

        throw new NpyFormatException(name, "element type '" + descr + "' is not supported: a layout is bool (|b1), integer (i1 to i8, u1 to u8) or float (f2, f4, f8)");
    }

    private static void Need(string name, byte[] bytes, int length, string what)
    {
        if (bytes.Length < length)
        {
            throw new NpyFormatException(name, Format("the file ends ({0} bytes) inside {1}", bytes.Length, what));
        }
    }

    private static string Format(string format, params object[] args) => string.Format(CultureInfo.InvariantCulture, format, args);

    /// <summary>Reads the few Python literals a .npy header holds: 'strings', True/False, (tuples, of, ints).</summary>
    private sealed class HeaderReader(string name, string text)
    {
        private int _position;

        public void Expect(char c)
        {
            if (!TryTake(c))
            {
                Fail("'" + c + "'");
            }
        }

        public bool TryTake(char c)
        {
            SkipSpaces();
            if (_position < text.Length && text[_position] == c)
            {
                _position++;
                return true;
            }

            return false;
        }

        public string String()
        {
            SkipSpaces();
            if (_position >= text.Length || (text[_position] != '\'' && text[_position] != '"'))
            {
                Fail("a quoted string");
            }

            char quote = text[_position];
            int end = text.IndexOf(quote, _position + 1);
            if (end < 0)
            {
                Fail("the end of a string");
            }

            string value = text.Substring(_position + 1, end - _position - 1);
            _position = end + 1;
            return value;
        }

        public bool Boolean()
        {
            SkipSpaces();
            foreach (var (word, value) in new[] { ("True", true), ("False", false) })
            {
                if (string.CompareOrdinal(text, _position, word, 0, word.Length) == 0)
                {
                    _position += word.Length;
                    return value;
                }
            }

            Fail("True or False");
            return false;
        }

        public int[] Tuple()
        {
            Expect('(');
            var values = new List<int>();
            while (!TryTake(')'))
            {
                SkipSpaces();
                int start = _position;
                while (_position < text.Length && char.IsAsciiDigit(text[_position]))
                {
                    _position++;
                }

                if (!int.TryParse(text.AsSpan(start, _position - start), NumberStyles.None, CultureInfo.InvariantCulture, out int value))
                {
                    Fail("a dimension (a non-negative integer below 2^31)");
                }

                values.Add(value);
                if (!TryTake(','))
                {
                    Expect(')');
                    break;
                }
            }

            return values.ToArray();
        }

        public void End()
        {
            SkipSpaces();
            if (_position != text.Length)
            {
                Fail("the end of the header");
            }
        }

        private void SkipSpaces()
        {
            while (_position < text.Length && text[_position] == ' ')
            {
                _position++;
            }
        }

        private void Fail(string expected) =>
            throw new NpyFormatException(name, Format("the header is malformed at character {0}: expected {1} in {2}", _position, expected, text));
    }
}

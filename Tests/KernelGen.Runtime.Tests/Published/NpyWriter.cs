using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace KernelGen.Runtime.Tests.Published;

/// <summary>
/// Writes .npy files as <c>numpy.save</c> does (format 1.0: magic, version, 2-byte header length,
/// a dict header padded with spaces to a multiple of 64 bytes ending in a newline, the elements),
/// for the element types a saved layout can have.
/// </summary>
internal static class NpyWriter
{
    /// <summary>The bytes of an array of <paramref name="values"/> (C order unless <paramref name="fortranOrder"/>) stored as <paramref name="descr"/>.</summary>
    public static byte[] Bytes(string descr, int[] shape, IReadOnlyList<double> values, bool fortranOrder = false, int version = 1)
    {
        string header = "{'descr': '" + descr + "', 'fortran_order': " + (fortranOrder ? "True" : "False") + ", 'shape': ("
            + string.Join(", ", Array.ConvertAll(shape, d => d.ToString(CultureInfo.InvariantCulture))) + (shape.Length == 1 ? ",), }" : "), }");
        int prefix = version == 1 ? 10 : 12;
        int padded = (prefix + header.Length + 1 + 63) / 64 * 64 - prefix;
        header = header.PadRight(padded - 1) + "\n";

        var stream = new MemoryStream();
        stream.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)version, 0 });
        var length = new byte[version == 1 ? 2 : 4];
        if (version == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)header.Length);
        }

        stream.Write(length);
        stream.Write(Encoding.ASCII.GetBytes(header));

        bool bigEndian = descr[0] == '>';
        char kind = descr[1];
        int size = descr[2] - '0';
        var item = new byte[size];
        var order = fortranOrder ? FortranOrder(shape) : null;
        for (int n = 0; n < values.Count; n++)
        {
            double value = values[order is null ? n : order[n]];
            Encode(kind, size, value, item);
            if (bigEndian && size > 1)
            {
                Array.Reverse(item);
            }

            stream.Write(item);
        }

        return stream.ToArray();
    }

    /// <summary>A [heads, blocks, blocks] layout as DeepSpeed's make_layout returns it (int64, as torch.zeros(..., dtype=torch.int64) saved through numpy).</summary>
    public static byte[] Layout(bool[][,] layout, string descr = "<i8")
    {
        int heads = layout.Length, blocks = layout[0].GetLength(0);
        var values = new List<double>();
        for (int h = 0; h < heads; h++)
        {
            for (int row = 0; row < blocks; row++)
            {
                for (int col = 0; col < blocks; col++)
                {
                    values.Add(layout[h][row, col] ? 1 : 0);
                }
            }
        }

        return Bytes(descr, new[] { heads, blocks, blocks }, values);
    }

    /// <summary>For each position of the Fortran-order stream, the C-order index of the element stored there.</summary>
    private static int[] FortranOrder(int[] shape)
    {
        int count = 1;
        foreach (int d in shape)
        {
            count *= d;
        }

        var order = new int[count];
        var index = new int[shape.Length];
        for (int n = 0; n < count; n++)
        {
            int c = 0;
            for (int d = 0; d < shape.Length; d++)
            {
                c = c * shape[d] + index[d];
            }

            order[n] = c;
            for (int d = 0; d < shape.Length && ++index[d] == shape[d]; d++)
            {
                index[d] = 0;
            }
        }

        return order;
    }

    private static void Encode(char kind, int size, double value, byte[] item)
    {
        switch (kind, size)
        {
            case ('b', 1):
            case ('u', 1):
                item[0] = (byte)value;
                break;
            case ('i', 1):
                item[0] = unchecked((byte)(sbyte)value);
                break;
            case ('i', 2):
                BinaryPrimitives.WriteInt16LittleEndian(item, (short)value);
                break;
            case ('u', 2):
                BinaryPrimitives.WriteUInt16LittleEndian(item, (ushort)value);
                break;
            case ('i', 4):
                BinaryPrimitives.WriteInt32LittleEndian(item, (int)value);
                break;
            case ('u', 4):
                BinaryPrimitives.WriteUInt32LittleEndian(item, (uint)value);
                break;
            case ('i', 8):
                BinaryPrimitives.WriteInt64LittleEndian(item, (long)value);
                break;
            case ('u', 8):
                BinaryPrimitives.WriteUInt64LittleEndian(item, (ulong)value);
                break;
            case ('f', 2):
                BinaryPrimitives.WriteHalfLittleEndian(item, (Half)value);
                break;
            case ('f', 4):
                BinaryPrimitives.WriteSingleLittleEndian(item, (float)value);
                break;
            case ('f', 8):
                BinaryPrimitives.WriteDoubleLittleEndian(item, value);
                break;
            default:
                throw new ArgumentException("no test writer for " + kind + size);
        }
    }
}

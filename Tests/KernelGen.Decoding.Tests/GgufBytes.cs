using System;
using System.Buffers.Binary;
using System.Text;

namespace KernelGen.Decoding.Tests;

/// <summary>Finds fields inside a GGUF file's bytes, so a test can corrupt exactly one of them.</summary>
internal static class GgufBytes
{
    /// <summary>The position of the length-prefixed string <paramref name="text"/> (its uint64 length first).</summary>
    public static int StringAt(byte[] file, string text)
    {
        var needle = new byte[8 + Encoding.UTF8.GetByteCount(text)];
        BinaryPrimitives.WriteUInt64LittleEndian(needle, (ulong)(needle.Length - 8));
        Encoding.UTF8.GetBytes(text, needle.AsSpan(8));
        int at = file.AsSpan().IndexOf(needle);
        return at >= 0 ? at : throw new InvalidOperationException($"'{text}' is not in the file.");
    }

    /// <summary>The position of a metadata key's uint32 value type (its value follows).</summary>
    public static int ValueTypeOf(byte[] file, string key) => StringAt(file, key) + 8 + Encoding.UTF8.GetByteCount(key);

    /// <summary>Positions of a tensor info's fields: dimension count, first dimension, type and offset.</summary>
    public static (int DimensionCount, int FirstDimension, int Type, int Offset) TensorInfo(byte[] file, string name)
    {
        int at = StringAt(file, name) + 8 + Encoding.UTF8.GetByteCount(name);
        int dimensions = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at));
        int type = at + 4 + 8 * dimensions;
        return (at, at + 4, type, type + 4);
    }

    public static void WriteUInt32(byte[] file, int at, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at), value);

    public static void WriteUInt64(byte[] file, int at, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(at), value);

    public static ulong ReadUInt64(byte[] file, int at) => BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(at));
}

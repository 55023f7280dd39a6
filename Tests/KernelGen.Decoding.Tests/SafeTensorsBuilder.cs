using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using KernelGen.Checkpoints;

namespace KernelGen.Decoding.Tests;

/// <summary>Builds safetensors files in code (u64 header length, JSON header, raw data), and rewrites the header of an existing one.</summary>
internal sealed class SafeTensorsBuilder
{
    private readonly List<(string Name, string DType, long[] Shape, byte[] Data)> _tensors = new();

    public SafeTensorsBuilder Add(string name, string dtype, long[] shape, byte[] data)
    {
        _tensors.Add((name, dtype, shape, data));
        return this;
    }

    /// <summary>A builder holding <paramref name="tensors"/> of <paramref name="file"/> (F32) with their data.</summary>
    public static SafeTensorsBuilder FromTensors(SafeTensorsFile file, IEnumerable<SafeTensorInfo> tensors)
    {
        var builder = new SafeTensorsBuilder();
        foreach (var tensor in tensors)
        {
            var values = new float[tensor.ElementCount];
            file.ReadTensor(tensor, values);
            builder.Add(tensor.Name, "F32", tensor.Shape.ToArray(), MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        }

        return builder;
    }

    public byte[] Build()
    {
        var header = new StringBuilder("{");
        long offset = 0;
        foreach (var (name, dtype, shape, data) in _tensors)
        {
            header.Append(CultureInfo.InvariantCulture,
                $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{offset + data.Length}]}},");
            offset += data.Length;
        }

        header.Append("\"__metadata__\":{\"format\":\"pt\"}}");
        return Assemble(header.ToString(), _tensors.SelectMany(t => t.Data).ToArray());
    }

    public void Save(string path) => File.WriteAllBytes(path, Build());

    /// <summary>Replaces the header of the safetensors file at <paramref name="path"/> by <paramref name="edit"/>(header), keeping the data.</summary>
    public static void RewriteHeader(string path, Func<string, string> edit)
    {
        var bytes = File.ReadAllBytes(path);
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = Encoding.UTF8.GetString(bytes, 8, length);
        File.WriteAllBytes(path, Assemble(edit(header), bytes.AsSpan(8 + length).ToArray()));
    }

    private static byte[] Assemble(string header, byte[] data)
    {
        var headerBytes = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + headerBytes.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)headerBytes.Length);
        headerBytes.CopyTo(file, 8);
        data.CopyTo(file, 8 + headerBytes.Length);
        return file;
    }
}

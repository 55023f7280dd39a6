using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using KernelGen.Configuration;

namespace KernelGen.Checkpoints;

/// <summary>
/// A safetensors file opened for reading: its header (tensor names, types, shapes, offsets) and the
/// tensors' data read on request as float32.
/// </summary>
/// <remarks>
/// <para>Layout (Hugging Face's safetensors format): a little-endian uint64 N, N bytes of UTF-8 JSON
/// mapping each tensor name to <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> (plus an
/// optional <c>"__metadata__"</c> object of strings), then the data buffer, offsets counted from
/// its start.</para>
/// <para>Checked as the format requires: the header fits the file and is at most 100 MB, every
/// size is consistent (<c>end − begin</c> = elements × element size), every tensor lies inside
/// the buffer, tensors neither overlap nor leave holes, and the buffer ends where the last tensor
/// does. Every error names the file and the tensor or header line.</para>
/// </remarks>
public sealed class SafeTensorsFile : IDisposable
{
    /// <summary>Largest header accepted (the format's own limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>What the file is, in messages.</summary>
    private const string Kind = "safetensors file";

    private readonly FileStream _stream;
    private readonly Dictionary<string, SafeTensorInfo> _byName;

    private SafeTensorsFile(string path, FileStream stream, List<SafeTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        FilePath = path;
        _stream = stream;
        Tensors = tensors;
        Metadata = metadata;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The file, as the caller named it.</summary>
    public string FilePath { get; }

    /// <summary>Every tensor, in data order.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> strings (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor named <paramref name="name"/>, or null.</summary>
    public SafeTensorInfo? FindTensor(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Bytes one element of <paramref name="dtype"/> takes, or 0 for a type the format does not define.</summary>
    public static int ElementBytes(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
        _ => 0,
    };

    /// <summary>Opens and checks the safetensors file at <paramref name="path"/>.</summary>
    /// <exception cref="CheckpointException">The file is missing, unreadable, ends early, or has a header that does not describe it.</exception>
    public static SafeTensorsFile Open(string path) => CheckpointFiles.Open(path, Kind, Read);

    /// <summary>Reads <paramref name="tensor"/> into <paramref name="destination"/> as float32, widening F16 and BF16.</summary>
    /// <exception cref="CheckpointException">The tensor is not F32, F16 or BF16, or the file became shorter.</exception>
    public void ReadTensor(SafeTensorInfo tensor, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (destination.Length != tensor.ElementCount)
        {
            throw new ArgumentException($"Tensor {tensor.Name} holds {tensor.ElementCount} elements; the destination holds {destination.Length}.", nameof(destination));
        }

        if (tensor.DType is not ("F32" or "F16" or "BF16"))
        {
            throw new CheckpointException(FilePath, tensor.Name,
                $"safetensors file '{FilePath}': tensor {tensor.Name} is {tensor.DType}; KernelGen reads F32, F16 and BF16 weights.");
        }

        var stored = tensor.DType switch
        {
            "F32" => StoredFloat.F32,
            "F16" => StoredFloat.F16,
            _ => StoredFloat.BF16,
        };
        CheckpointFiles.ReadFloats(_stream.SafeFileHandle, FilePath, Kind, tensor.Name, tensor.FileOffset, stored, destination);
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    private static SafeTensorsFile Read(string path, FileStream stream)
    {
        long length = stream.Length;
        Span<byte> prefix = stackalloc byte[8];
        if (length < 8)
        {
            throw new CheckpointException(path, "header", string.Create(CultureInfo.InvariantCulture,
                $"safetensors file '{path}' ends early: it holds {length} bytes, too few for the 8-byte header length."));
        }

        stream.ReadExactly(prefix);
        ulong headerBytes = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerBytes > (ulong)(length - 8))
        {
            throw new CheckpointException(path, "header", string.Create(CultureInfo.InvariantCulture,
                $"safetensors file '{path}' ends early: its header claims {headerBytes} bytes, but only {length - 8} follow the length. The file is truncated or not safetensors."));
        }

        if (headerBytes > MaxHeaderBytes || headerBytes < 2)
        {
            throw new CheckpointException(path, "header", string.Create(CultureInfo.InvariantCulture,
                $"safetensors file '{path}' has a header of {headerBytes} bytes; a safetensors header is a JSON object of at most {MaxHeaderBytes} bytes."));
        }

        var bytes = new byte[headerBytes];
        stream.ReadExactly(bytes);
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new CheckpointException(path, "header", $"safetensors file '{path}' has a header that is not UTF-8 text; it is not a safetensors file.", e);
        }

        JsonValue root;
        try
        {
            root = JsonText.Parse(text.TrimEnd(' '));   // writers may pad the header with spaces
        }
        catch (JsonFormatException e)
        {
            throw new CheckpointException(path, "header", string.Create(CultureInfo.InvariantCulture,
                $"safetensors file '{path}' has a header that is not valid JSON (header line {e.Line}, column {e.Column}): {e.Reason}."), e);
        }

        if (root.Kind != JsonKind.Object)
        {
            throw new CheckpointException(path, "header", $"safetensors file '{path}' has a header that is {root.Description}, not a JSON object.");
        }

        long dataStart = 8 + (long)headerBytes;
        long dataBytes = length - dataStart;
        var tensors = new List<SafeTensorInfo>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in root.Members)
        {
            if (member.Key == "__metadata__")
            {
                ReadMetadata(path, member.Value, metadata);
                continue;
            }

            tensors.Add(ReadEntry(path, member.Key, member.Value, dataStart, dataBytes));
        }

        // Sorted by offset, the tensors must tile the buffer exactly: no overlap, no hole, nothing after.
        tensors.Sort((a, b) => a.FileOffset.CompareTo(b.FileOffset));
        long expected = dataStart;
        foreach (var tensor in tensors)
        {
            if (tensor.FileOffset != expected)
            {
                string rule = tensor.FileOffset < expected ? "tensors must not overlap." : "the data buffer must not have holes.";
                throw new CheckpointException(path, tensor.Name, string.Create(CultureInfo.InvariantCulture,
                    $"safetensors file '{path}': tensor {tensor.Name} starts at data offset {tensor.FileOffset - dataStart}, but the tensor before it ends at {expected - dataStart}; {rule}"));
            }

            expected += tensor.ByteLength;
        }

        if (expected != length)
        {
            throw new CheckpointException(path, "file size", string.Create(CultureInfo.InvariantCulture,
                $"safetensors file '{path}' has {length - expected} bytes after its last tensor: the header describes {expected - dataStart} data bytes, the file holds {dataBytes}."));
        }

        return new SafeTensorsFile(path, stream, tensors, metadata);
    }

    private static SafeTensorInfo ReadEntry(string path, string name, JsonValue entry, long dataStart, long dataBytes)
    {
        CheckpointException Bad(string problem) => new(path, name, string.Create(CultureInfo.InvariantCulture,
            $"safetensors file '{path}': tensor {name} (header line {entry.Line}) {problem}."));

        if (entry.Kind != JsonKind.Object)
        {
            throw Bad("is " + entry.Description + ", not an object with dtype, shape and data_offsets");
        }

        var dtypeValue = entry.Get("dtype");
        if (dtypeValue is not { Kind: JsonKind.String } || ElementBytes(dtypeValue.Text!) == 0)
        {
            throw Bad("has dtype " + (dtypeValue is { Kind: JsonKind.String } ? "\"" + dtypeValue.Text + "\"" : dtypeValue?.Description ?? "missing") + "; it must be one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL");
        }

        string dtype = dtypeValue.Text!;
        var shapeValue = entry.Get("shape");
        if (shapeValue is not { Kind: JsonKind.Array })
        {
            throw Bad("has no shape array");
        }

        var shape = new long[shapeValue.Items.Count];
        long elements = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (!shapeValue.Items[i].TryGetInt64(out long size) || size < 0 || size > int.MaxValue)
            {
                throw Bad("has shape entry " + shapeValue.Items[i].Description + "; sizes are whole numbers from 0 to " + int.MaxValue.ToString(CultureInfo.InvariantCulture));
            }

            shape[i] = size;
            elements = size == 0 ? 0 : elements > long.MaxValue / size ? throw Bad("has more elements than a 64-bit count holds") : elements * size;
        }

        var offsets = entry.Get("data_offsets");
        if (offsets is not { Kind: JsonKind.Array } || offsets.Items.Count != 2
            || !offsets.Items[0].TryGetInt64(out long begin) || !offsets.Items[1].TryGetInt64(out long end) || begin < 0 || end < begin)
        {
            throw Bad("has data_offsets that are not [begin, end] with 0 ≤ begin ≤ end");
        }

        int elementBytes = ElementBytes(dtype);
        if (elements > long.MaxValue / elementBytes || end - begin != elements * elementBytes)
        {
            throw Bad($"is {dtype} {{[{string.Join(", ", shape)}]}} = {elements} elements × {elementBytes} bytes, but its data_offsets [{begin}, {end}] span {end - begin} bytes");
        }

        if (end > dataBytes)
        {
            throw Bad($"has data_offsets [{begin}, {end}] past the end of the file: the data buffer holds {dataBytes} bytes. The file is truncated or its header is wrong");
        }

        return new SafeTensorInfo(name, dtype, shape, dataStart + begin, end - begin);
    }

    private static void ReadMetadata(string path, JsonValue value, Dictionary<string, string> metadata)
    {
        if (value.Kind != JsonKind.Object)
        {
            throw new CheckpointException(path, "__metadata__", $"safetensors file '{path}': __metadata__ (header line {value.Line}) is {value.Description}; it must be an object of strings.");
        }

        foreach (var pair in value.Members)
        {
            if (pair.Value.Kind != JsonKind.String)
            {
                throw new CheckpointException(path, "__metadata__", $"safetensors file '{path}': __metadata__ key \"{pair.Key}\" (header line {pair.Value.Line}) is {pair.Value.Description}; metadata values are strings.");
            }

            metadata[pair.Key] = pair.Value.Text!;
        }
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using KernelGen.Quantization;

namespace KernelGen.Checkpoints;

/// <summary>
/// A GGUF file (versions 2 and 3, little-endian) opened for reading: its metadata, its tensor
/// infos, and the tensors' data read on request as float32.
/// </summary>
/// <remarks>
/// <para>Layout (ggml's <c>docs/gguf.md</c>): magic "GGUF", uint32 version, uint64 tensor count,
/// uint64 metadata count; the metadata pairs (string key, uint32 type, value); the tensor infos
/// (string name, uint32 dimension count, uint64 dimensions innermost first, uint32 ggml type,
/// uint64 offset); padding to <c>general.alignment</c> (default 32); then the tensor data, each
/// tensor at its offset from there.</para>
/// <para>Nothing is trusted: every count and length is checked against the bytes left before it
/// is used, sizes are multiplied with overflow checks, every tensor must lie inside the file, start
/// on the alignment and not overlap another, and a key or tensor name may appear only once. Every
/// error names the file and the key or tensor.</para>
/// </remarks>
public sealed class GgufFile : IDisposable
{
    /// <summary>"GGUF" read as a little-endian uint32.</summary>
    public const uint Magic = 0x46554747;

    /// <summary>Alignment of the tensor data when <c>general.alignment</c> is absent.</summary>
    public const int DefaultAlignment = 32;

    /// <summary>Longest tensor name accepted (ggml's <c>GGML_MAX_NAME</c>).</summary>
    public const int MaxTensorNameBytes = 64;

    /// <summary>Most dimensions a tensor may have (ggml's <c>GGML_MAX_DIMS</c>).</summary>
    public const int MaxDimensions = 4;

    private const int MaxKeyBytes = 65535;
    private const long MaxStringBytes = 1L << 30;

    /// <summary>What the file is, in messages.</summary>
    private const string Kind = "GGUF file";

    private readonly FileStream _stream;
    private readonly Dictionary<string, GgufTensorInfo> _tensorsByName;

    private GgufFile(string path, FileStream stream, uint version, Dictionary<string, GgufValue> metadata, List<GgufTensorInfo> tensors, int alignment, long dataOffset)
    {
        FilePath = path;
        _stream = stream;
        Version = version;
        Metadata = metadata;
        Tensors = tensors;
        Alignment = alignment;
        DataOffset = dataOffset;
        _tensorsByName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The file, as the caller named it.</summary>
    public string FilePath { get; }

    /// <summary>The format version (2 or 3).</summary>
    public uint Version { get; }

    /// <summary>Every metadata pair, by key.</summary>
    public IReadOnlyDictionary<string, GgufValue> Metadata { get; }

    /// <summary>Every tensor, in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>The tensor data's alignment.</summary>
    public int Alignment { get; }

    /// <summary>Where the tensor data starts, counted from the start of the file.</summary>
    public long DataOffset { get; }

    /// <summary>Bytes in the file.</summary>
    public long Length => _stream.Length;

    /// <summary>The tensor named <paramref name="name"/>, or null.</summary>
    public GgufTensorInfo? FindTensor(string name) => _tensorsByName.GetValueOrDefault(name);

    /// <summary>Opens and checks the GGUF file at <paramref name="path"/>; the tensors' data is read later, by <see cref="ReadTensor"/>.</summary>
    /// <exception cref="CheckpointException">The file is missing, unreadable, not GGUF, ends early, or describes tensors that do not fit it.</exception>
    public static GgufFile Open(string path) => CheckpointFiles.Open(path, Kind, Read);

    /// <summary>Reads tensor <paramref name="tensor"/> into <paramref name="destination"/> as float32, widening F16 and BF16 and dequantizing quantized types.</summary>
    /// <exception cref="ArgumentException">The destination's length is not the tensor's element count.</exception>
    /// <exception cref="CheckpointException">The file became shorter since it was opened.</exception>
    public void ReadTensor(GgufTensorInfo tensor, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (destination.Length != tensor.ElementCount)
        {
            throw new ArgumentException($"Tensor {tensor.Name} holds {tensor.ElementCount} elements; the destination holds {destination.Length}.", nameof(destination));
        }

        if (QuantizedBlocks.IsQuantized(tensor.Type))
        {
            // Dequantized row by row (ggml's reference arithmetic), through one row's bytes.
            int columns = (int)tensor.Dimensions[0];
            var row = new byte[QuantizedBlocks.RowBytes(tensor.Type, columns)];
            for (long r = 0; r < tensor.ElementCount / columns; r++)
            {
                ReadTensorBytes(tensor, row, r * row.Length);
                Dequantization.DequantizeRow(tensor.Type, row, destination.Slice((int)(r * columns), columns));
            }

            return;
        }

        var stored = tensor.Type switch
        {
            GgufTensorType.F32 => StoredFloat.F32,
            GgufTensorType.F16 => StoredFloat.F16,
            _ => StoredFloat.BF16,
        };
        CheckpointFiles.ReadFloats(_stream.SafeFileHandle, FilePath, Kind, tensor.Name, tensor.FileOffset, stored, destination);
    }

    /// <summary>
    /// Reads <paramref name="destination"/>.Length bytes of tensor <paramref name="tensor"/>'s data as
    /// stored (quantized blocks unchanged), starting <paramref name="offset"/> bytes into it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the tensor.</exception>
    /// <exception cref="CheckpointException">The file became shorter since it was opened.</exception>
    public void ReadTensorBytes(GgufTensorInfo tensor, Span<byte> destination, long offset = 0)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (offset < 0 || offset > tensor.ByteLength || destination.Length > tensor.ByteLength - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"Bytes {offset}..{offset + destination.Length - 1} are not inside tensor {tensor.Name} ({tensor.ByteLength} bytes).");
        }

        CheckpointFiles.ReadBytes(_stream.SafeFileHandle, FilePath, Kind, tensor.Name, tensor.FileOffset + offset, destination);
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    /// <summary>Bytes one element of a float type takes (F32 4, F16 and BF16 2); for a quantized type, see <see cref="QuantizedBlocks"/>.</summary>
    public static int ElementBytes(GgufTensorType type) => type == GgufTensorType.F32 ? 4 : QuantizedBlocks.IsQuantized(type)
        ? throw new ArgumentOutOfRangeException(nameof(type), type, $"{type} is block-quantized: {QuantizedBlocks.BlockValues(type)} values take {QuantizedBlocks.BlockBytes(type)} bytes.")
        : 2;

    /// <summary>ggml's name of a tensor type, for messages (quantized types included).</summary>
    public static string TypeName(uint type) => type switch
    {
        0 => "F32", 1 => "F16", 2 => "Q4_0", 3 => "Q4_1", 6 => "Q5_0", 7 => "Q5_1", 8 => "Q8_0", 9 => "Q8_1",
        10 => "Q2_K", 11 => "Q3_K", 12 => "Q4_K", 13 => "Q5_K", 14 => "Q6_K", 15 => "Q8_K",
        16 => "IQ2_XXS", 17 => "IQ2_XS", 18 => "IQ3_XXS", 19 => "IQ1_S", 20 => "IQ4_NL", 21 => "IQ3_S", 22 => "IQ2_S", 23 => "IQ4_XS",
        24 => "I8", 25 => "I16", 26 => "I32", 27 => "I64", 28 => "F64", 29 => "IQ1_M", 30 => "BF16", 34 => "TQ1_0", 35 => "TQ2_0", 39 => "MXFP4",
        _ => "unknown type " + type.ToString(CultureInfo.InvariantCulture),
    };

    private static GgufFile Read(string path, FileStream stream)
    {
        var reader = new BoundedReader(stream, path, stream.Length) { What = "the GGUF header (magic, version, tensor count, metadata count: 24 bytes)", Field = "header" };
        uint magic = reader.ReadUInt32();
        if (magic != Magic)
        {
            throw new CheckpointException(path, "magic", string.Create(CultureInfo.InvariantCulture,
                $"File '{path}' is not a GGUF file: it starts with the bytes {FormatMagic(magic)}, not \"GGUF\"."));
        }

        uint version = reader.ReadUInt32();
        if (version is not (2 or 3))
        {
            string why = version == 1 ? "version 1 used 32-bit counts and is long obsolete"
                : (version & 0xFFFF) == 0 && version != 0 ? "the version reads as big-endian; only little-endian files are supported"
                : "only versions 2 and 3 exist";
            throw new CheckpointException(path, "version", string.Create(CultureInfo.InvariantCulture,
                $"GGUF file '{path}' has format version {version}; KernelGen reads versions 2 and 3 ({why})."));
        }

        ulong tensorCount = reader.ReadUInt64();
        ulong metadataCount = reader.ReadUInt64();

        // A pair takes at least 13 bytes (empty key, type, one-byte value), a tensor info at least 32:
        // counts the file cannot hold are lies, refused before anything is allocated for them.
        if (metadataCount > (ulong)(reader.Remaining / 13))
        {
            throw reader.Fail($"the header claims {metadataCount} metadata pairs, more than the {reader.Remaining} bytes after it can hold");
        }

        if (tensorCount > (ulong)(reader.Remaining / 32))
        {
            throw reader.Fail($"the header claims {tensorCount} tensors, more than the {reader.Remaining} bytes after it can hold");
        }

        var metadata = new Dictionary<string, GgufValue>(StringComparer.Ordinal);
        for (ulong i = 0; i < metadataCount; i++)
        {
            reader.Field = "metadata";
            reader.What = $"the key of metadata pair {i}";
            string key = reader.ReadString(MaxKeyBytes);
            RequirePrintable(reader, key, $"the key of metadata pair {i}");
            reader.Field = key;
            reader.What = $"metadata key {key}";
            var type = (GgufValueType)reader.ReadUInt32();
            var value = ReadValue(reader, type, key, depth: 0);
            if (!metadata.TryAdd(key, value))
            {
                throw reader.Fail($"metadata key {key} appears twice");
            }
        }

        int alignment = DefaultAlignment;
        if (metadata.TryGetValue("general.alignment", out var alignmentValue))
        {
            if (!alignmentValue.TryGetInt64(out long a) || a <= 0 || a > 1 << 20 || (a & (a - 1)) != 0)
            {
                throw new CheckpointException(path, "general.alignment", $"GGUF file '{path}': general.alignment is {alignmentValue} ({alignmentValue.TypeName}); it must be a power of two up to 2^20.");
            }

            alignment = (int)a;
        }

        var infos = new List<(string Name, long[] Dimensions, GgufTensorType Type, ulong Offset, long Bytes)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (ulong i = 0; i < tensorCount; i++)
        {
            reader.Field = "tensor infos";
            reader.What = $"the name of tensor {i}";
            string name = reader.ReadString(MaxTensorNameBytes);
            RequirePrintable(reader, name, $"the name of tensor {i}");
            reader.Field = name;
            reader.What = $"the info of tensor {name}";
            if (!names.Add(name))
            {
                throw reader.Fail($"tensor {name} appears twice");
            }

            uint dimensionCount = reader.ReadUInt32();
            if (dimensionCount is 0 or > MaxDimensions)
            {
                throw reader.Fail($"tensor {name} has {dimensionCount} dimensions; 1 to {MaxDimensions} are allowed");
            }

            var dimensions = new long[dimensionCount];
            long elements = 1;
            for (int d = 0; d < dimensions.Length; d++)
            {
                ulong size = reader.ReadUInt64();
                if (size == 0 || size > int.MaxValue)
                {
                    throw reader.Fail($"tensor {name} has dimension {d} of size {size}; sizes must be 1 to {int.MaxValue}");
                }

                dimensions[d] = (long)size;
                elements = MultiplyOrFail(reader, elements, (long)size, name);
            }

            uint rawType = reader.ReadUInt32();
            if (!QuantizedBlocks.IsSupported((GgufTensorType)rawType))
            {
                throw new CheckpointException(path, name, string.Create(CultureInfo.InvariantCulture,
                    $"GGUF file '{path}': tensor {name} is {TypeName(rawType)} (ggml type {rawType}); KernelGen reads F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q4_K, Q5_K and Q6_K tensors. Requantize the model to one of them (llama-quantize, for example Q4_K_M or Q8_0), or convert it without quantization (convert_hf_to_gguf.py --outtype f16)."));
            }

            var type = (GgufTensorType)rawType;
            if (QuantizedBlocks.RowProblem(type, name, dimensions[0]) is { } problem)
            {
                throw reader.Fail(problem);
            }
            ulong offset = reader.ReadUInt64();
            if (offset % (ulong)alignment != 0)
            {
                throw reader.Fail($"tensor {name} starts at data offset {offset}, which is not a multiple of the alignment {alignment}");
            }

            // Bytes: whole blocks per row (checked above), rows = the other dimensions' product.
            long blocks = elements / QuantizedBlocks.BlockValues(type);
            infos.Add((name, dimensions, type, offset, MultiplyOrFail(reader, blocks, QuantizedBlocks.BlockBytes(type), name)));
        }

        long end = reader.Position;
        long dataOffset = checked(end + (alignment - end % alignment) % alignment);
        var tensors = new List<GgufTensorInfo>(infos.Count);
        foreach (var info in infos)
        {
            long dataBytes = reader.Length - Math.Min(reader.Length, dataOffset);
            if (info.Offset > (ulong)dataBytes || info.Bytes > dataBytes - (long)info.Offset)
            {
                throw new CheckpointException(path, info.Name, string.Create(CultureInfo.InvariantCulture,
                    $"GGUF file '{path}': tensor {info.Name} ({TypeName((uint)info.Type)} [{string.Join(", ", info.Dimensions)}], {info.Bytes} bytes) " +
                    $"lies at data offset {info.Offset}, past the end of the file: the data section starts at byte {dataOffset} and holds {dataBytes} bytes. The file is truncated or its tensor infos are wrong."));
            }

            tensors.Add(new GgufTensorInfo(info.Name, info.Dimensions, info.Type, dataOffset + (long)info.Offset, info.Bytes));
        }

        var sorted = tensors.OrderBy(t => t.FileOffset).ToList();
        for (int i = 1; i < sorted.Count; i++)
        {
            var previous = sorted[i - 1];
            if (sorted[i].FileOffset < previous.FileOffset + previous.ByteLength)
            {
                throw new CheckpointException(path, sorted[i].Name, string.Create(CultureInfo.InvariantCulture,
                    $"GGUF file '{path}': tensor {sorted[i].Name} starts at byte {sorted[i].FileOffset}, inside tensor {previous.Name} (bytes {previous.FileOffset} to {previous.FileOffset + previous.ByteLength - 1}). Tensors must not overlap."));
            }
        }

        return new GgufFile(path, stream, version, metadata, tensors, alignment, dataOffset);
    }

    private static GgufValue ReadValue(BoundedReader reader, GgufValueType type, string key, int depth)
    {
        switch (type)
        {
            case GgufValueType.UInt8: return new(type, reader.ReadByte());
            case GgufValueType.Int8: return new(type, (sbyte)reader.ReadByte());
            case GgufValueType.UInt16: return new(type, reader.ReadUInt16());
            case GgufValueType.Int16: return new(type, (short)reader.ReadUInt16());
            case GgufValueType.UInt32: return new(type, reader.ReadUInt32());
            case GgufValueType.Int32: return new(type, (int)reader.ReadUInt32());
            case GgufValueType.Float32: return new(type, reader.ReadSingle());
            case GgufValueType.UInt64: return new(type, reader.ReadUInt64());
            case GgufValueType.Int64: return new(type, (long)reader.ReadUInt64());
            case GgufValueType.Float64: return new(type, reader.ReadDouble());
            case GgufValueType.Bool:
                byte b = reader.ReadByte();
                return b <= 1 ? new(type, b == 1) : throw reader.Fail($"metadata key {key} is a bool stored as {b}; only 0 and 1 are valid");
            case GgufValueType.String:
                return new(type, reader.ReadString(MaxStringBytes));
            case GgufValueType.Array:
                return ReadArray(reader, key, depth);
            default:
                throw reader.Fail($"metadata key {key} has value type {(uint)type}, which GGUF does not define (0 to 12)");
        }
    }

    private static GgufValue ReadArray(BoundedReader reader, string key, int depth)
    {
        if (depth >= 4)
        {
            throw reader.Fail($"metadata key {key} nests arrays more than 4 deep");
        }

        var elementType = (GgufValueType)reader.ReadUInt32();
        ulong count = reader.ReadUInt64();
        int elementBytes = elementType switch
        {
            GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
            GgufValueType.UInt16 or GgufValueType.Int16 => 2,
            GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
            GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 or GgufValueType.String => 8,
            GgufValueType.Array => 12,
            _ => throw reader.Fail($"metadata key {key} is an array of value type {(uint)elementType}, which GGUF does not define"),
        };

        // Each element takes at least elementBytes (a string its length, an array its type and count).
        if (count > (ulong)(reader.Remaining / elementBytes))
        {
            throw reader.Fail($"metadata key {key} claims an array of {count} {GgufValue.Name(elementType)} values, more than the {reader.Remaining} bytes left can hold");
        }

        int n = (int)count;
        switch (elementType)
        {
            case GgufValueType.String:
                var strings = new string[n];
                for (int i = 0; i < n; i++)
                {
                    strings[i] = reader.ReadString(MaxStringBytes);
                }

                return new(GgufValueType.Array, strings, elementType);
            case GgufValueType.Float32:
                return new(GgufValueType.Array, ReadNumbers(reader, n, r => r.ReadSingle()), elementType);
            case GgufValueType.Int32:
                return new(GgufValueType.Array, ReadNumbers(reader, n, r => (int)r.ReadUInt32()), elementType);
            case GgufValueType.UInt32:
                return new(GgufValueType.Array, ReadNumbers(reader, n, r => r.ReadUInt32()), elementType);
            case GgufValueType.Array:
                var arrays = new GgufValue[n];
                for (int i = 0; i < n; i++)
                {
                    if (reader.ReadUInt32() != (uint)GgufValueType.Array)
                    {
                        throw reader.Fail($"metadata key {key} is an array of arrays whose element {i} is not an array");
                    }

                    arrays[i] = ReadArray(reader, key, depth + 1);
                }

                return new(GgufValueType.Array, arrays, elementType);
            default:
                var values = new object[n];
                for (int i = 0; i < n; i++)
                {
                    values[i] = ReadValue(reader, elementType, key, depth + 1).Value;
                }

                return new(GgufValueType.Array, values, elementType);
        }
    }

    private static T[] ReadNumbers<T>(BoundedReader reader, int count, Func<BoundedReader, T> read)
    {
        var values = new T[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = read(reader);
        }

        return values;
    }

    /// <summary>Keys and tensor names are identifiers: one with control characters (a lying length swallowed binary data) is refused before it is used in a message.</summary>
    private static void RequirePrintable(BoundedReader reader, string text, string what)
    {
        int bad = text.AsSpan().IndexOfAnyInRange('\0', '\u001F');
        if (bad >= 0 || text.Contains('\u007F', StringComparison.Ordinal))
        {
            string shown = text.Length > 40 ? text[..40] + "…" : text;
            throw reader.Fail($"{what} has control characters (\"{Escape(shown)}\"): its length is wrong or the file is not GGUF");
        }
    }

    private static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            escaped.Append(char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString());
        }

        return escaped.ToString();
    }

    private static long MultiplyOrFail(BoundedReader reader, long a, long b, string tensor)
    {
        try
        {
            return checked(a * b);
        }
        catch (OverflowException)
        {
            throw reader.Fail($"tensor {tensor} has more elements than a 64-bit count holds");
        }
    }

    private static string FormatMagic(uint magic)
    {
        Span<byte> bytes = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes, magic);
        var text = new StringBuilder();
        foreach (byte b in bytes)
        {
            text.Append(CultureInfo.InvariantCulture, $"{b:X2} ");
        }

        return text.ToString().TrimEnd();
    }
}

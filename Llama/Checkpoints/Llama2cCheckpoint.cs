using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using KernelGen.IO;

namespace KernelGen.Checkpoints;

/// <summary>
/// A llama2.c legacy ("version 0") checkpoint, read and checked: its header, the model shape the
/// header describes, and the weights. <see cref="ModelCheckpoint.Load(string)"/> is the entry point for any
/// checkpoint file (it recognizes the format and comes here for llama2.c); this type is the llama2.c
/// reader itself, for callers that want its header.
/// </summary>
/// <remarks>
/// The format (docs/FORMATS.md §1): seven little-endian int32 header fields, then float32 tensors back
/// to back with no padding. run.c trusts the file; this reader checks every header field, the
/// exact file size, and (when asked) that the shape matches a compiled model class, and names the
/// file and the field in every error. The payload is read once, straight into the one float array
/// that <see cref="LlamaWeights"/> then uses as it is.
/// </remarks>
public sealed class Llama2cCheckpoint
{
    private Llama2cCheckpoint(string path, CheckpointHeader header, LlamaWeights weights)
    {
        FilePath = path;
        Header = header;
        Weights = weights;
    }

    /// <summary>The file the checkpoint was read from, as the caller named it.</summary>
    public string FilePath { get; }

    /// <summary>The header, as stored.</summary>
    public CheckpointHeader Header { get; }

    /// <summary>The model shape the header describes.</summary>
    public ModelShape Shape => Weights.Shape;

    /// <summary>The model's parameters.</summary>
    public LlamaWeights Weights { get; }

    /// <summary>Reads and checks the checkpoint at <paramref name="path"/>.</summary>
    /// <exception cref="CheckpointException">
    /// The file is missing or unreadable, a header field is invalid, or the file is shorter or longer
    /// than its header says. The message names the file and the field.
    /// </exception>
    public static Llama2cCheckpoint Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            throw new CheckpointException(path, "file", $"Checkpoint file '{path}' is a folder, not a file.");
        }

        try
        {
            using var stream = RegularFile.Open(path, problem => new CheckpointException(path, "file", "Checkpoint file " + problem), bufferSize: 1);
            return Read(path, stream);
        }
        catch (FileNotFoundException e)
        {
            throw new CheckpointException(path, "file", $"Checkpoint file '{path}' was not found.", e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new CheckpointException(path, "file", $"Checkpoint file '{path}' was not found: its folder does not exist.", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CheckpointException(path, "file", $"Checkpoint file '{path}' cannot be read: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new CheckpointException(path, "file", $"Checkpoint file '{path}' cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// Reads the checkpoint at <paramref name="path"/> for a compiled model class: like
    /// <see cref="Load(string)"/>, and the header must describe a shape that
    /// <paramref name="compiledShape"/> accepts (<see cref="ModelShape.Accepts"/>).
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="compiledShape">The shape the class was compiled for, for example <c>Stories260K.Shape</c>.</param>
    /// <param name="modelName">The class's name, for the message.</param>
    /// <exception cref="CheckpointException">As for <see cref="Load(string)"/>, or the shapes differ; the message names each differing field.</exception>
    public static Llama2cCheckpoint Load(string path, ModelShape compiledShape, string modelName)
    {
        ArgumentNullException.ThrowIfNull(compiledShape);
        ArgumentException.ThrowIfNullOrEmpty(modelName);
        var checkpoint = Load(path);
        var shape = checkpoint.Shape;
        if (compiledShape.Accepts(shape))
        {
            return checkpoint;
        }

        var differences = new List<string>();
        var fields = new List<string>();
        void Compare(string field, int actual, int compiled, bool differs)
        {
            if (differs)
            {
                fields.Add(field);
                differences.Add(string.Create(CultureInfo.InvariantCulture, $"{field} is {actual}, compiled for {compiled}"));
            }
        }

        Compare("dim", shape.Dim, compiledShape.Dim, shape.Dim != compiledShape.Dim);
        Compare("hidden_dim", shape.HiddenDim, compiledShape.HiddenDim, compiledShape.HiddenDim != 0 && shape.HiddenDim != compiledShape.HiddenDim);
        Compare("n_layers", shape.Layers, compiledShape.Layers, shape.Layers != compiledShape.Layers);
        Compare("n_heads", shape.Heads, compiledShape.Heads, shape.Heads != compiledShape.Heads);
        Compare("n_kv_heads", shape.KvHeads, compiledShape.KvHeads, shape.KvHeads != compiledShape.KvHeads);
        Compare("vocab_size", shape.Vocab, compiledShape.Vocab, compiledShape.Vocab != 0 && shape.Vocab != compiledShape.Vocab);
        Compare("seq_len", shape.MaxSeqLen, compiledShape.MaxSeqLen, shape.MaxSeqLen > compiledShape.MaxSeqLen);
        throw new CheckpointException(path, string.Join(", ", fields),
            $"Checkpoint '{path}' does not fit {modelName}: {string.Join("; ", differences)}.");
    }

    private static Llama2cCheckpoint Read(string path, FileStream stream)
    {
        long fileLength = stream.Length;
        if (fileLength < CheckpointHeader.Size)
        {
            throw new CheckpointException(path, "header",
                $"Checkpoint '{path}' is truncated: it holds {fileLength} bytes, but the header alone takes {CheckpointHeader.Size} " +
                "(7 int32: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len).");
        }

        Span<byte> headerBytes = stackalloc byte[CheckpointHeader.Size];
        stream.ReadExactly(headerBytes);
        var header = ParseHeader(path, headerBytes);
        var shape = ToShape(path, header);

        List<TensorExtent> tensors;
        try
        {
            tensors = LlamaWeights.Layout(shape, header.SharedClassifier);
        }
        catch (OverflowException e)
        {
            throw new CheckpointException(path, "header",
                $"Checkpoint '{path}' has a header ({header}) that describes more floats than a 64-bit count holds.", e);
        }

        long floats = tensors[^1].End;
        if (floats > (long.MaxValue - CheckpointHeader.Size) / sizeof(float))
        {
            throw new CheckpointException(path, "header",
                $"Checkpoint '{path}' has a header ({header}) that describes {floats} float32, more bytes than a 64-bit size holds; the file holds {fileLength} bytes.");
        }

        long expectedBytes = CheckpointHeader.Size + floats * sizeof(float);
        if (fileLength < expectedBytes)
        {
            long floatsPresent = (fileLength - CheckpointHeader.Size) / sizeof(float);
            var cut = tensors.Find(t => t.End > floatsPresent);
            throw new CheckpointException(path, cut.Name,
                $"Checkpoint '{path}' is truncated: it holds {fileLength} bytes, but its header ({header}) needs {expectedBytes} " +
                $"(28-byte header + {floats} float32). The file ends inside tensor {cut.Name} {cut.Dimensions}.");
        }

        if (fileLength > expectedBytes)
        {
            throw new CheckpointException(path, "file size",
                $"Checkpoint '{path}' has {fileLength - expectedBytes} extra bytes: its file size is {fileLength} bytes, but its header ({header}) " +
                $"needs exactly {expectedBytes} (28-byte header + {floats} float32{(header.SharedClassifier ? ", classifier shared with the embedding" : ", separate classifier")}). " +
                "The header does not describe this file, or it is not a llama2.c legacy checkpoint.");
        }

        // One read, straight into the array the weights keep: the file is never copied twice. The
        // array is pinned and the payload starts on a 64-byte boundary, so rows of 16·k floats
        // never straddle a cache line and vector loads do not split.
        var buffer = CheckpointFiles.AllocateAlignedPayload(path, floats, out int start);
        var payload = buffer.AsSpan(start, (int)floats);
        try
        {
            stream.ReadExactly(MemoryMarshal.AsBytes(payload));
        }
        catch (EndOfStreamException e)
        {
            throw new CheckpointException(path, "file size", $"Checkpoint '{path}' became shorter while it was being read.", e);
        }

        if (!BitConverter.IsLittleEndian)
        {
            var words = MemoryMarshal.Cast<float, int>(payload);
            BinaryPrimitives.ReverseEndianness(words, words);
        }

        return new Llama2cCheckpoint(path, header, new LlamaWeights(shape, header.SharedClassifier, buffer, start));
    }

    private static CheckpointHeader ParseHeader(string path, ReadOnlySpan<byte> bytes)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes) == CheckpointHeader.VersionedExportMagic)
        {
            int version = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
            throw new CheckpointException(path, "magic",
                $"Checkpoint '{path}' starts with the magic \"ak42\": it is a llama2.c version-{version} export. " +
                "Only the legacy (version 0) layout is supported; export it with llama2.c's export.py --version 0.");
        }

        Span<int> fields = stackalloc int[7];
        for (int i = 0; i < fields.Length; i++)
        {
            fields[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * sizeof(int))..]);
        }

        var header = new CheckpointHeader(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6]);

        var problems = new List<(string Field, string Message)>();
        void RequirePositive(string field, int value)
        {
            if (value <= 0)
            {
                problems.Add((field, string.Create(CultureInfo.InvariantCulture, $"{field} is {value}, but must be positive")));
            }
        }

        RequirePositive("dim", header.Dim);
        RequirePositive("hidden_dim", header.HiddenDim);
        RequirePositive("n_layers", header.Layers);
        RequirePositive("n_heads", header.Heads);
        RequirePositive("n_kv_heads", header.KvHeads);
        if (header.SignedVocab == 0 || header.SignedVocab == int.MinValue)
        {
            problems.Add(("vocab_size", string.Create(CultureInfo.InvariantCulture,
                $"vocab_size is {header.SignedVocab}, but must be non-zero (positive: classifier shared with the embedding; negative: separate classifier)")));
        }

        RequirePositive("seq_len", header.SeqLen);
        if (problems.Count > 0)
        {
            throw new CheckpointException(path, problems[0].Field,
                $"Checkpoint '{path}' has an invalid header ({header}): {string.Join("; ", problems.ConvertAll(p => p.Message))}.");
        }

        return header;
    }

    private static ModelShape ToShape(string path, CheckpointHeader header)
    {
        try
        {
            return new ModelShape(header.Dim, header.Layers, header.Heads, header.KvHeads, header.SeqLen, header.HiddenDim, header.Vocab);
        }
        catch (ModelShapeException e)
        {
            string field = HeaderFieldOf(e.Field);
            throw new CheckpointException(path, field,
                $"Checkpoint '{path}' has an invalid header field {field} ({header}): {e.Message}", e);
        }
    }

    /// <summary>The llama2.c header field behind a <see cref="ModelShape"/> property.</summary>
    private static string HeaderFieldOf(string shapeField) => shapeField switch
    {
        "Dim" => "dim",
        "Layers" => "n_layers",
        "Heads" => "n_heads",
        "KvHeads" => "n_kv_heads",
        "MaxSeqLen" => "seq_len",
        "HiddenDim" => "hidden_dim",
        "Vocab" => "vocab_size",
        _ => shapeField,
    };
}

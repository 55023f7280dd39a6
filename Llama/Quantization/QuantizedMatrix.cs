using System;
using System.Globalization;
using System.Runtime.InteropServices;
using KernelGen.Checkpoints;

namespace KernelGen.Quantization;

/// <summary>
/// A row-major <c>[rows][columns]</c> weight matrix kept in the file's own encoding: for a quantized
/// type, each row is its blocks exactly as the GGUF file stores them; for F32, plain floats (F16 and
/// BF16 are widened to F32 when read). Nothing is dequantized ahead of time: the matrix-vector kernels
/// (<see cref="QuantizedMatrixVector"/>) decode blocks in registers, and <see cref="DequantizeRow"/>
/// decodes one row on request (the embedding lookup).
/// </summary>
/// <remarks>The bytes live in one pinned array whose data starts on a 64-byte boundary.</remarks>
public sealed class QuantizedMatrix
{
    private readonly byte[] _buffer;
    private readonly int _start;

    /// <summary>Creates a matrix over <paramref name="data"/>, whole blocks of <paramref name="type"/> (copied into aligned storage).</summary>
    /// <exception cref="ArgumentException">A row is not a whole number of blocks, or <paramref name="data"/> has the wrong length.</exception>
    public QuantizedMatrix(GgufTensorType type, int rows, int columns, ReadOnlySpan<byte> data)
        : this(type, rows, columns)
    {
        if (data.Length != ByteLength)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"A [{rows}][{columns}] {type} matrix takes {ByteLength} bytes, but {data.Length} were given."), nameof(data));
        }

        data.CopyTo(Bytes);
    }

    /// <summary>An uninitialized matrix the checkpoint reader fills through <see cref="Bytes"/>.</summary>
    internal QuantizedMatrix(GgufTensorType type, int rows, int columns)
    {
        if (type is GgufTensorType.F16 or GgufTensorType.BF16 || !QuantizedBlocks.IsSupported(type))
        {
            throw new ArgumentException($"A weight matrix is F32 or one of the quantized types, not {type}.", nameof(type));
        }

        long rowBytes = QuantizedBlocks.RowBytes(type, columns);
        if (rows <= 0 || rowBytes < 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"A {type} matrix needs a positive row count and rows of whole {QuantizedBlocks.BlockValues(type)}-value blocks; [{rows}][{columns}] is not one."), nameof(columns));
        }

        long bytes = checked(rowBytes * rows);
        if (bytes + 64 > Array.MaxLength)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"A [{rows}][{columns}] {type} matrix takes {bytes} bytes, more than one array holds."), nameof(rows));
        }

        Type = type;
        Rows = rows;
        Columns = columns;
        RowBytes = (int)rowBytes;
        ByteLength = bytes;
        _buffer = GC.AllocateUninitializedArray<byte>((int)bytes + 64, pinned: true);
        var handle = GCHandle.Alloc(_buffer, GCHandleType.Pinned);
        try
        {
            _start = (int)((64 - (handle.AddrOfPinnedObject() & 63)) & 63);
        }
        finally
        {
            handle.Free();
        }
    }

    /// <summary>The encoding: F32 or a quantized type.</summary>
    public GgufTensorType Type { get; }

    /// <summary>Rows (output features).</summary>
    public int Rows { get; }

    /// <summary>Columns (input features).</summary>
    public int Columns { get; }

    /// <summary>Bytes of one row.</summary>
    public int RowBytes { get; }

    /// <summary>Bytes of the whole matrix: what one matrix-vector product reads.</summary>
    public long ByteLength { get; }

    /// <summary>The encoded rows, one after another.</summary>
    internal Span<byte> Bytes => _buffer.AsSpan(_start, (int)ByteLength);

    /// <summary>The encoded row <paramref name="row"/>.</summary>
    public ReadOnlySpan<byte> Row(int row)
    {
        if ((uint)row >= (uint)Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"Row {row} is outside this matrix's {Rows} rows.");
        }

        return _buffer.AsSpan(_start + row * RowBytes, RowBytes);
    }

    /// <summary>Row <paramref name="row"/> as floats, exactly as ggml's reference dequantization computes them.</summary>
    public void DequantizeRow(int row, Span<float> values)
    {
        if (values.Length != Columns)
        {
            throw new ArgumentException($"A row holds {Columns} values; the destination holds {values.Length}.", nameof(values));
        }

        Dequantization.DequantizeRow(Type, Row(row), values);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Type} [{Rows}][{Columns}]");
}

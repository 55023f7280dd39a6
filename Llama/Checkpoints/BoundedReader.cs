using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Text;

namespace KernelGen.Checkpoints;

/// <summary>
/// Reads little-endian values from the start of a file and never past its end: every read first
/// checks that the bytes are there, and every length read from the file is compared with the bytes
/// left before anything is allocated for it, so a file that lies about a size fails with a message
/// instead of a huge allocation or a read past the end.
/// </summary>
internal sealed class BoundedReader
{
    private readonly Stream _stream;
    private readonly string _path;
    private readonly byte[] _scratch = new byte[8];

    public BoundedReader(Stream stream, string path, long length)
    {
        _stream = stream;
        _path = path;
        Length = length;
    }

    /// <summary>Bytes in the file.</summary>
    public long Length { get; }

    /// <summary>Bytes read so far, the position of the next read.</summary>
    public long Position { get; private set; }

    /// <summary>Bytes between the position and the end of the file.</summary>
    public long Remaining => Length - Position;

    /// <summary>What is being read, for the message when the file ends: "the key of metadata pair 3".</summary>
    public string What { get; set; } = "the header";

    /// <summary>The field named in a truncation error.</summary>
    public string Field { get; set; } = "header";

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Fill(4));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Fill(8));

    public byte ReadByte() => Fill(1)[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Fill(2));

    public float ReadSingle() => BinaryPrimitives.ReadSingleLittleEndian(Fill(4));

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Fill(8));

    /// <summary>Reads <paramref name="count"/> bytes, which the caller has checked against <see cref="Remaining"/> or a limit.</summary>
    public byte[] ReadBytes(long count)
    {
        Require(count);
        var bytes = new byte[count];
        _stream.ReadExactly(bytes);
        Position += count;
        return bytes;
    }

    /// <summary>Skips bytes (padding), which must be in the file.</summary>
    public void Skip(long count)
    {
        Require(count);
        _stream.Seek(count, SeekOrigin.Current);
        Position += count;
    }

    /// <summary>A length-prefixed (uint64) UTF-8 string of at most <paramref name="maxBytes"/> bytes.</summary>
    public string ReadString(long maxBytes)
    {
        ulong length = ReadUInt64();
        if (length > (ulong)maxBytes)
        {
            throw Fail(string.Create(CultureInfo.InvariantCulture, $"{What} claims to be a string of {length} bytes, more than the {maxBytes} allowed"));
        }

        Require((long)length);
        return Encoding.UTF8.GetString(ReadBytes((long)length));
    }

    /// <summary>Throws unless <paramref name="count"/> more bytes are in the file.</summary>
    public void Require(long count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new CheckpointException(_path, Field, string.Create(CultureInfo.InvariantCulture,
                $"File '{_path}' ends early: {What} needs {count} bytes at offset {Position}, but the file has {Length} bytes in all."));
        }
    }

    /// <summary>An error about what is being read, naming the file, the field and the offset.</summary>
    public CheckpointException Fail(string problem) =>
        new(_path, Field, string.Create(CultureInfo.InvariantCulture, $"File '{_path}': {problem} (at offset {Position})."));

    private ReadOnlySpan<byte> Fill(int count)
    {
        Require(count);
        var span = _scratch.AsSpan(0, count);
        _stream.ReadExactly(span);
        Position += count;
        return span;
    }
}

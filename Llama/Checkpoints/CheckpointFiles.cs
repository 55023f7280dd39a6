using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using KernelGen.IO;
using Microsoft.Win32.SafeHandles;

namespace KernelGen.Checkpoints;

/// <summary>How a tensor's floats are stored in a checkpoint file (little-endian).</summary>
internal enum StoredFloat
{
    /// <summary>IEEE 754 float32.</summary>
    F32,

    /// <summary>IEEE 754 half precision.</summary>
    F16,

    /// <summary>bfloat16: the top half of a float32.</summary>
    BF16,
}

/// <summary>
/// What every checkpoint reader does alike: open a file with errors that name it, read a tensor's
/// floats at an offset (widening 16-bit ones), and allocate the aligned payload.
/// </summary>
internal static class CheckpointFiles
{
    /// <summary>Slack that lets the payload start on a cache line (16 floats = 64 bytes).</summary>
    public const int AlignmentFloats = 16;

    /// <summary>Opens <paramref name="path"/> for reading; a missing, unreadable or folder path is a <see cref="CheckpointException"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="kind">What the file should be, for messages: "GGUF file", "safetensors file".</param>
    public static FileStream OpenRead(string path, string kind)
    {
        if (Directory.Exists(path))
        {
            throw new CheckpointException(path, "file", $"{kind} '{path}' is a folder, not a file.");
        }

        try
        {
            return RegularFile.Open(path, problem => new CheckpointException(path, "file", $"{kind} {problem}"));
        }
        catch (FileNotFoundException e)
        {
            throw new CheckpointException(path, "file", $"{kind} '{path}' was not found.", e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new CheckpointException(path, "file", $"{kind} '{path}' was not found: its folder does not exist.", e);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new CheckpointException(path, "file", $"{kind} '{path}' cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> and hands it to <paramref name="read"/>, which keeps the stream
    /// in what it returns; the stream is closed if it throws, and an I/O failure becomes a
    /// <see cref="CheckpointException"/> naming the file.
    /// </summary>
    public static T Open<T>(string path, string kind, Func<string, FileStream, T> read)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        FileStream? stream = OpenRead(path, kind);
        try
        {
            var file = read(path, stream);
            stream = null;
            return file;
        }
        catch (IOException e)
        {
            throw new CheckpointException(path, "file", $"{kind} '{path}' cannot be read: {e.Message}", e);
        }
        finally
        {
            stream?.Dispose();
        }
    }

    /// <summary>
    /// Reads <paramref name="destination"/>.Length floats stored as <paramref name="stored"/> from
    /// <paramref name="offset"/> of an open file. 16-bit values are read in chunks and widened, so a
    /// large tensor never needs a second full-size buffer.
    /// </summary>
    /// <exception cref="CheckpointException">The file ends before the tensor does (it became shorter since it was checked).</exception>
    public static void ReadFloats(SafeFileHandle handle, string path, string kind, string tensor, long offset, StoredFloat stored, Span<float> destination)
    {
        if (stored == StoredFloat.F32)
        {
            ReadExactly(handle, MemoryMarshal.AsBytes(destination), offset, path, kind, tensor);
            if (!BitConverter.IsLittleEndian)
            {
                var words = MemoryMarshal.Cast<float, int>(destination);
                BinaryPrimitives.ReverseEndianness(words, words);
            }

            return;
        }

        const int Chunk = 1 << 16;
        var buffer = ArrayPool<ushort>.Shared.Rent(Chunk);
        try
        {
            for (int done = 0; done < destination.Length; done += Chunk)
            {
                int count = Math.Min(Chunk, destination.Length - done);
                var halves = buffer.AsSpan(0, count);
                ReadExactly(handle, MemoryMarshal.AsBytes(halves), offset + 2L * done, path, kind, tensor);
                if (!BitConverter.IsLittleEndian)
                {
                    BinaryPrimitives.ReverseEndianness(halves, halves);
                }

                var target = destination.Slice(done, count);
                if (stored == StoredFloat.F16)
                {
                    for (int i = 0; i < count; i++)
                    {
                        target[i] = (float)BitConverter.UInt16BitsToHalf(halves[i]);
                    }
                }
                else
                {
                    for (int i = 0; i < count; i++)
                    {
                        target[i] = BitConverter.Int32BitsToSingle(halves[i] << 16);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<ushort>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// A pinned array for <paramref name="floats"/> floats whose first one, at <paramref name="start"/>,
    /// lies on a 64-byte boundary, so rows of 16·k floats never straddle a cache line.
    /// </summary>
    public static float[] AllocateAlignedPayload(string path, long floats, out int start)
    {
        if (floats + AlignmentFloats > Array.MaxLength)
        {
            throw new CheckpointException(path, "file size",
                $"Checkpoint '{path}' holds {floats} floats, more than one array can hold ({Array.MaxLength - AlignmentFloats}).");
        }

        var buffer = GC.AllocateUninitializedArray<float>((int)floats + AlignmentFloats, pinned: true);
        var handle = GCHandle.Alloc(buffer, GCHandleType.Pinned);
        try
        {
            long address = handle.AddrOfPinnedObject();
            start = (int)((64 - (address & 63)) & 63) / sizeof(float);
        }
        finally
        {
            handle.Free();
        }

        return buffer;
    }

    /// <summary>Reads <paramref name="bytes"/>.Length bytes at <paramref name="offset"/> (quantized tensor data, as stored).</summary>
    /// <exception cref="CheckpointException">The file ends before the tensor does.</exception>
    public static void ReadBytes(SafeFileHandle handle, string path, string kind, string tensor, long offset, Span<byte> bytes) =>
        ReadExactly(handle, bytes, offset, path, kind, tensor);

    private static void ReadExactly(SafeFileHandle handle, Span<byte> bytes, long offset, string path, string kind, string tensor)
    {
        int read = 0;
        while (read < bytes.Length)
        {
            int n = RandomAccess.Read(handle, bytes[read..], offset + read);
            if (n == 0)
            {
                throw new CheckpointException(path, tensor, string.Create(CultureInfo.InvariantCulture,
                    $"{kind} '{path}' became shorter while tensor {tensor} was being read (it ends at byte {offset + read})."));
            }

            read += n;
        }
    }
}

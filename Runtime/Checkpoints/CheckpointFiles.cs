using System;
using System.IO;
using System.Runtime.InteropServices;

namespace KernelGen.Checkpoints;

/// <summary>What every checkpoint reader does alike: open a file with errors that name it, and allocate the aligned payload.</summary>
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
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
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
}

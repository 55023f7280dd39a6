using System;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace KernelGen.IO;

/// <summary>
/// Opens the files a model is read from — checkpoints, tokenizers, config and index files — as
/// regular files only. A FIFO would block the open until a writer appears (for ever, from a
/// command line), and a pipe or device (<c>/dev/stdin</c>, <c>/dev/zero</c>) has no length to check
/// a header against; both are refused with a message instead.
/// </summary>
/// <remarks>
/// On Linux the file is opened with <c>O_NONBLOCK</c>, which returns at once for a FIFO without a
/// writer, and is then refused unless it can seek (pipes, FIFOs and terminals cannot). A device that
/// seeks but reports no length (<c>/dev/zero</c>) reads as an empty file: every reader reads at most
/// the length the file reports, so it fails as truncated. Elsewhere the file is opened the
/// ordinary way and refused afterwards when it cannot seek (a FIFO there blocks the open, as
/// in any program).
/// </remarks>
internal static class RegularFile
{
    private const int ReadOnly = 0;
    private const int NonBlocking = 0x800;     // O_NONBLOCK on Linux x64 and arm64
    private const int CloseOnExec = 0x80000;   // O_CLOEXEC on Linux x64 and arm64

    /// <summary>
    /// Opens <paramref name="path"/> for reading; <paramref name="notRegular"/> makes the exception for
    /// a pipe, FIFO or device. Missing and unreadable files throw as <see cref="FileStream"/> does.
    /// </summary>
    public static FileStream Open(string path, Func<string, Exception> notRegular, int bufferSize = 1 << 16)
    {
        FileStream stream;
        if (OperatingSystem.IsLinux() && (RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64))
        {
            // Existence and access errors keep .NET's own exceptions and messages.
            if (!File.Exists(path))
            {
                throw Directory.Exists(path) ? new UnauthorizedAccessException($"'{path}' is a folder.") : new FileNotFoundException($"Could not find file '{path}'.", path);
            }

            int descriptor = OpenDescriptor(path, ReadOnly | NonBlocking | CloseOnExec);
            if (descriptor < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new IOException($"'{path}' cannot be opened: {Marshal.GetPInvokeErrorMessage(errno)}.");
            }

            var handle = new SafeFileHandle(descriptor, ownsHandle: true);
            try
            {
                stream = new FileStream(handle, FileAccess.Read, bufferSize);
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }
        else
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize);
        }

        if (!stream.CanSeek)
        {
            stream.Dispose();
            throw notRegular($"'{path}' is a pipe, FIFO or device, not a regular file: KernelGen checks a file's length before it reads it, so save the data to a file and name that.");
        }

        return stream;
    }

    /// <summary>Reads the whole of a regular file of at most <paramref name="maxBytes"/> bytes.</summary>
    public static byte[] ReadAllBytes(string path, long maxBytes, Func<string, Exception> refuse)
    {
        using var stream = Open(path, refuse, bufferSize: 1);
        long length = stream.Length;
        if (length > maxBytes)
        {
            throw refuse($"'{path}' holds {length} bytes, more than the {maxBytes} this kind of file may have.");
        }

        var bytes = new byte[length];
        int read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        if (read != bytes.Length)
        {
            throw new IOException($"'{path}' became shorter while it was being read ({read} of {length} bytes).");
        }

        return bytes;
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int OpenDescriptor([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
}

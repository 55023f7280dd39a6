using System;
using System.Runtime.InteropServices;

namespace KernelGen.Decoding.Tests.Hostile;

/// <summary>FIFOs for the tests that check readers refuse them instead of blocking (Linux and macOS).</summary>
internal static class UnixFiles
{
    public static bool CanMakeFifo => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();

    /// <summary>Creates a FIFO at <paramref name="path"/> with mode 0600.</summary>
    public static void MakeFifo(string path)
    {
        if (mkfifo(path, 0x180) != 0)
        {
            throw new InvalidOperationException($"mkfifo '{path}' failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);
}

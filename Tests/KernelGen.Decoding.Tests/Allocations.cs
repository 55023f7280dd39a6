using System;

namespace KernelGen.Decoding.Tests;

/// <summary>Bytes a piece of work allocates on the calling thread, read so that a one-off reading error cannot fail a test.</summary>
internal static class Allocations
{
    /// <summary>
    /// The fewest bytes <paramref name="run"/> allocated over <paramref name="attempts"/> runs. The runtime's
    /// per-thread count is not exact while other threads run (xunit runs test classes in parallel): CI
    /// legs have read 256 bytes and 8 KiB, up to an allocation quantum, where the code allocates nothing,
    /// and neither reading came back when the test ran again. Work that allocates shows in every run.
    /// </summary>
    public static long Fewest(Action run, int attempts = 3)
    {
        long fewest = long.MaxValue;
        for (int attempt = 0; attempt < attempts; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            run();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return fewest;
    }
}

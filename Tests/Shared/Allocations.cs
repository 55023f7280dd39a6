using System;

namespace KernelGen.Tests;

/// <summary>Bytes a piece of work allocates on the calling thread, read so that a one-off reading cannot fail a test.</summary>
internal static class Allocations
{
    /// <summary>
    /// The fewest bytes <paramref name="run"/> allocated on this thread over <paramref name="attempts"/> runs.
    /// Work that allocates per call shows in every run. What lands in one run at most: the runtime's
    /// one-time work on this thread (tiering recompiling a method, loading a type), at a moment a loaded
    /// parallel test run decides, and readings of the per-thread count, which is not exact while other
    /// test threads run (CI legs have read 256 bytes and 8 KiB, up to an allocation quantum, where the
    /// code allocates nothing, and neither came back when the test ran again).
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

using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace KernelGen.Decoding.Tests.Hostile;

/// <summary>
/// Runs one read of hostile input on a thread of its own and reports how it ended, how long it took
/// and how many bytes that thread allocated, so a test can bound all three.
/// </summary>
internal static class Bounded
{
    /// <summary>Generous: the test machine may be loaded; a hang or a quadratic blow-up still trips it.</summary>
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(60);

    /// <summary>What a read did: the exception it threw (null when it succeeded), its allocations and time.</summary>
    public readonly record struct Outcome(Exception? Error, long AllocatedBytes, TimeSpan Elapsed);

    /// <summary>Runs <paramref name="read"/>; fails the test when it outlasts <see cref="TimeLimit"/>.</summary>
    public static Outcome Run(Action read)
    {
        var task = Task.Factory.StartNew(() =>
        {
            var clock = Stopwatch.StartNew();
            long before = GC.GetAllocatedBytesForCurrentThread();
            Exception? error = null;
            try
            {
                read();
            }
            catch (Exception e)
            {
                error = e;
            }

            return new Outcome(error, GC.GetAllocatedBytesForCurrentThread() - before, clock.Elapsed);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.True(task.Wait(TimeLimit), $"The read did not finish within {TimeLimit.TotalSeconds} s.");
        return task.Result;
    }

    /// <summary>
    /// Runs <paramref name="read"/> and asserts it threw <typeparamref name="T"/> (or succeeded, when
    /// <paramref name="mayLoad"/>), allocating at most <paramref name="maxBytes"/>.
    /// </summary>
    public static T? Refused<T>(Action read, long maxBytes, bool mayLoad = false) where T : Exception
    {
        var outcome = Run(read);
        Assert.True(outcome.AllocatedBytes <= maxBytes,
            $"The read allocated {outcome.AllocatedBytes} bytes, more than the bound of {maxBytes} ({outcome.Error?.GetType().Name}: {outcome.Error?.Message}).");
        if (outcome.Error is null)
        {
            Assert.True(mayLoad, "The input was accepted, but it should have been refused.");
            return null;
        }

        return outcome.Error as T ?? throw new Xunit.Sdk.XunitException($"Expected {typeof(T).Name}, got {outcome.Error}");
    }
}

using System.Threading;
using System.Threading.Tasks;
using KernelGen.Threading;
using Xunit;

namespace KernelGen.Runtime.Tests;

/// <summary>Every item of a run executes exactly once, whoever calls and however runs nest or overlap.</summary>
public class WorkerPoolTests
{
    [Fact]
    public void EveryItemRunsOnce_OverManyBackToBackRuns()
    {
        var pool = new WorkerPool(3);
        var job = new CountingJob(257);
        for (int run = 0; run < 2000; run++)
        {
            job.Reset();
            pool.Run(job, 257);
            Assert.True(job.EachRanOnce(), $"run {run}");
        }
    }

    [Fact]
    public void ARunStartedFromInsideAnItem_RunsInline()
    {
        var pool = new WorkerPool(2);
        var inner = new CountingJob(16);
        var outer = new NestingJob(pool, inner);
        pool.Run(outer, 8);
        Assert.Equal(8 * 16, inner.Total);
    }

    [Fact]
    public void RunsFromTwoThreadsAtOnce_BothComplete()
    {
        var pool = new WorkerPool(2);
        var a = new CountingJob(64);
        var b = new CountingJob(64);
        Parallel.Invoke(
            () => { for (int i = 0; i < 500; i++) { a.Reset(); pool.Run(a, 64); Assert.True(a.EachRanOnce()); } },
            () => { for (int i = 0; i < 500; i++) { b.Reset(); pool.Run(b, 64); Assert.True(b.EachRanOnce()); } });
    }

    private sealed class CountingJob : IParallelJob
    {
        private readonly int[] _counts;
        private int _total;

        public CountingJob(int items) => _counts = new int[items];

        public int Total => Volatile.Read(ref _total);

        public void Reset() => System.Array.Clear(_counts);

        public bool EachRanOnce() => System.Array.TrueForAll(_counts, c => c == 1);

        public void Execute(int item, int worker)
        {
            Interlocked.Increment(ref _counts[item]);
            Interlocked.Increment(ref _total);
        }
    }

    private sealed class NestingJob : IParallelJob
    {
        private readonly WorkerPool _pool;
        private readonly CountingJob _inner;

        public NestingJob(WorkerPool pool, CountingJob inner) => (_pool, _inner) = (pool, inner);

        public void Execute(int item, int worker) => _pool.Run(_inner, 16);
    }
}

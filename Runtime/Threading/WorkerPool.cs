using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace KernelGen.Threading;

/// <summary>
/// A fixed set of worker threads that run <see cref="IParallelJob"/> items together with the
/// calling thread. Made for kernels called thousands of times a second: a run allocates nothing,
/// workers spin briefly before sleeping so back-to-back runs start in microseconds, and items are
/// claimed one at a time so uneven items (causal attention tiles) balance themselves.
/// </summary>
/// <remarks>
/// One run at a time: a caller that finds the pool busy (another thread is running a job) runs
/// its job alone rather than wait, so concurrent users never deadlock or queue behind each other.
/// </remarks>
public sealed class WorkerPool
{
    private const int SpinIterations = 2000;

    private static readonly Lazy<WorkerPool> SharedPool = new(() => new WorkerPool(Environment.ProcessorCount));

    // 1 while a run is in progress. Not a lock: a run's own items may call Run again (on the caller
    // thread, which a re-entrant lock would let through and so overwrite the run); they find the
    // pool busy and run inline instead.
    private int _busy;
    private readonly SemaphoreSlim _wake = new(0);
    // A run publishes its job and its range of claim numbers [_first, _end), then bumps
    // _generation. Claim numbers only grow, so a worker still holding an earlier run's fields can
    // never claim (and run) an item of a later run.
    private IParallelJob? _job;
    private long _first;
    private long _end;
    private long _next;
    private int _remaining;
    private int _generation;
    private int _sleepers;

    /// <summary>Creates a pool whose runs use <paramref name="workers"/> threads, the caller's included.</summary>
    public WorkerPool(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        Workers = workers;
        for (int worker = 1; worker < workers; worker++)
        {
            int id = worker;
            var thread = new Thread(() => WorkerLoop(id)) { IsBackground = true, Name = "KernelGen worker " + id };
            thread.Start();
        }
    }

    /// <summary>The pool shared by all kernels: one thread per processor, the caller's included.</summary>
    public static WorkerPool Shared => SharedPool.Value;

    [ThreadStatic]
    private static WorkerPool? t_forNewKernels;

    /// <summary>
    /// The pool that kernels and sessions created on this thread now run on when given none:
    /// the one of the innermost <see cref="UseForNewKernels"/> scope, else <see cref="Shared"/>.
    /// </summary>
    public static WorkerPool ForNewKernels => t_forNewKernels ?? Shared;

    /// <summary>
    /// Until the returned scope is disposed, kernels created on this thread without an explicit pool
    /// (a generated <c>CreateKernels()</c>, <see cref="Kernels.GenericAttention"/>) run on <paramref name="pool"/>.
    /// This is how a thread count reaches generated kernels, whose factory takes no arguments.
    /// </summary>
    /// <example><code>
    /// var pool = new WorkerPool(4);
    /// AttentionKernels kernels;
    /// using (WorkerPool.UseForNewKernels(pool))
    /// {
    ///     kernels = MyModel.CreateKernels();
    /// }
    /// </code></example>
    public static IDisposable UseForNewKernels(WorkerPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var scope = new Scope(t_forNewKernels);
        t_forNewKernels = pool;
        return scope;
    }

    private sealed class Scope(WorkerPool? previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                t_forNewKernels = previous;
            }
        }
    }

    /// <summary>Threads a run uses, the caller's included.</summary>
    public int Workers { get; }

    /// <summary>Runs items 0..<paramref name="items"/>−1 of <paramref name="job"/> and returns when all are done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(IParallelJob job, int items)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (items <= 0)
        {
            return;
        }

        if (items == 1 || Workers == 1 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int item = 0; item < items; item++)
            {
                job.Execute(item, 0);
            }

            return;
        }

        try
        {
            long first = Interlocked.Read(ref _next);
            _job = job;
            _first = first;
            _end = first + items;
            Volatile.Write(ref _remaining, items);
            Interlocked.Increment(ref _generation);
            int sleepers = Volatile.Read(ref _sleepers);
            if (sleepers > 0)
            {
                _wake.Release(Math.Min(sleepers, Workers - 1));
            }

            Work(0);
            var spinner = new SpinWait();
            while (Volatile.Read(ref _remaining) > 0)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }

            _job = null;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Work(int worker)
    {
        // Read the run's fields between two reads of the generation: if a new run started in
        // between, read again, so the job and its range always belong together.
        IParallelJob? job;
        long first, end;
        int generation;
        do
        {
            generation = Volatile.Read(ref _generation);
            job = Volatile.Read(ref _job);
            first = Volatile.Read(ref _first);
            end = Volatile.Read(ref _end);
        }
        while (generation != Volatile.Read(ref _generation));

        if (job is null)
        {
            return;
        }

        // Claim by compare-and-swap, never past this run's end: a worker still holding an earlier
        // run's range (descheduled between reading it and claiming) then stops without touching
        // _next. An unconditional increment would burn a claim number of the run that started in
        // the meantime, and that run would wait forever for the item nobody runs.
        while (true)
        {
            long claim = Volatile.Read(ref _next);
            if (claim >= end)
            {
                break;
            }

            if (Interlocked.CompareExchange(ref _next, claim + 1, claim) != claim)
            {
                continue;
            }

            job.Execute((int)(claim - first), worker);
            Interlocked.Decrement(ref _remaining);
        }
    }

    private void WorkerLoop(int worker)
    {
        int seen = Volatile.Read(ref _generation);
        while (true)
        {
            // Spin a little: kernels often run back to back, and waking a sleeping thread costs more.
            int spins = 0;
            while (Volatile.Read(ref _generation) == seen && spins++ < SpinIterations)
            {
                Thread.SpinWait(20);
            }

            if (Volatile.Read(ref _generation) == seen)
            {
                Interlocked.Increment(ref _sleepers);
                while (Volatile.Read(ref _generation) == seen)
                {
                    _wake.Wait(10);
                }

                Interlocked.Decrement(ref _sleepers);
            }

            seen = Volatile.Read(ref _generation);
            Work(worker);
        }
    }
}

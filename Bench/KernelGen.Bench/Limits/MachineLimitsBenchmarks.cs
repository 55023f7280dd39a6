using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Attributes;
using KernelGen.Threading;

namespace KernelGen.Bench.Limits;

/// <summary>
/// The two limits attention is measured against: fp32 fused-multiply-add throughput (prefill is
/// compute-bound) and sustained memory read bandwidth (long-context decode is memory-bound),
/// each on one core and on all of them (through the same worker pool the kernels use).
/// </summary>
/// <remarks>
/// <para>Peak: 12 independent FMA chains per core in registers (enough to cover FMA latency × issue
/// width on current x86 and Arm cores), widest accelerated vector. Bandwidth: a sum over a
/// buffer far larger than the last-level cache, 4 accumulators, each core its own contiguous
/// slice. The report divides <see cref="FlopsPerCallPerCore"/> and <see cref="BytesPerCall"/> by the time.</para>
/// <para>One sequential stream per core leaves bandwidth unused: the hardware prefetchers track a
/// few streams each, and one stream's misses are not enough in flight to cover DRAM latency
/// (Little's law: bytes in flight = bandwidth × latency). <see cref="MemoryReadStreams"/> is the
/// read roof the way STREAM-like probes measure it (McCalpin's STREAM; likwid-bench's
/// <c>load</c> kernels): each core reads <see cref="Streams"/> slices of its part at once,
/// unrolled, widest vector, so many lines are in flight; <see cref="MemoryReadStreamsPrefetched"/>
/// adds a software prefetch <see cref="PrefetchDistanceBytes"/> ahead on each stream. Both read
/// the same 1 GiB, so they share <see cref="BytesPerCall"/>; the read roof is the fastest of the
/// three read methods.</para>
/// </remarks>
[Config(typeof(DefaultConfig))]
public class MachineLimitsBenchmarks
{
    /// <summary>Floats each chain advances per call: trips × vector width, the same on every machine.</summary>
    private const int FloatsPerChain = 1 << 24;

    /// <summary>1 GiB of floats: about 30 times a 32 MiB last-level cache.</summary>
    private const int BufferFloats = 1 << 28;

    private float[] _buffer = null!;
    private readonly FmaJob _fma = new();
    private readonly ReadJob _read = new();
    private readonly StreamsJob _streams = new();

    [Params(1, 0)]
    public int Cores { get; set; }

    /// <summary>The cores used: 0 means all of them.</summary>
    private int Workers => Cores == 0 ? WorkerPool.Shared.Workers : Cores;

    /// <summary>fp32 operations in one <see cref="FmaPeak"/> call (an FMA counts 2) per core, whatever the vector width.</summary>
    public const long FlopsPerCallPerCore = 12L * FloatsPerChain * 2;

    /// <summary>Independent read streams per core in <see cref="MemoryReadStreams"/>: more than one prefetcher tracks, fewer than the L1's fill buffers.</summary>
    public const int Streams = 8;

    /// <summary>How far ahead each stream of <see cref="MemoryReadStreamsPrefetched"/> prefetches: 16 cache lines.</summary>
    public const int PrefetchDistanceBytes = 1024;

    /// <summary>Bytes read by one <see cref="MemoryReadBandwidth"/> (or <see cref="MemoryReadStreams"/>) call.</summary>
    public static long BytesPerCall => (long)BufferFloats * sizeof(float);

    [GlobalSetup(Targets = new[] { nameof(MemoryReadBandwidth), nameof(MemoryReadStreams), nameof(MemoryReadStreamsPrefetched) })]
    public void SetupBuffer()
    {
        _buffer = GC.AllocateUninitializedArray<float>(BufferFloats, pinned: true);
        for (int i = 0; i < _buffer.Length; i++)
        {
            _buffer[i] = (i & 1023) * 1e-3f;
        }

        _read.Buffer = _buffer;
        _streams.Buffer = _buffer;
    }

    /// <summary>12 FMA chains per core, each <see cref="FloatsPerChain"/> floats long.</summary>
    [Benchmark]
    public float FmaPeak()
    {
        _fma.Parts = Workers;
        if (Workers == 1)
        {
            _fma.Execute(0, 0);
        }
        else
        {
            WorkerPool.Shared.Run(_fma, Workers);
        }

        return _fma.Sink;
    }

    /// <summary>Reads the whole buffer once, split between the cores.</summary>
    [Benchmark]
    public float MemoryReadBandwidth()
    {
        _read.Parts = Workers;
        if (Workers == 1)
        {
            _read.Execute(0, 0);
        }
        else
        {
            WorkerPool.Shared.Run(_read, Workers);
        }

        return _read.Sink;
    }

    /// <summary>Reads the whole buffer once, split between the cores, <see cref="Streams"/> streams per core.</summary>
    [Benchmark]
    public float MemoryReadStreams() => RunStreams(prefetch: false);

    /// <summary>As <see cref="MemoryReadStreams"/>, each stream prefetching <see cref="PrefetchDistanceBytes"/> ahead.</summary>
    [Benchmark]
    public float MemoryReadStreamsPrefetched() => RunStreams(prefetch: true);

    private float RunStreams(bool prefetch)
    {
        _streams.Parts = Workers;
        _streams.Prefetch = prefetch;
        if (Workers == 1)
        {
            _streams.Execute(0, 0);
        }
        else
        {
            WorkerPool.Shared.Run(_streams, Workers);
        }

        return _streams.Sink;
    }

    /// <summary>
    /// The sum of <paramref name="length"/> floats from <paramref name="start"/> (a multiple of
    /// <see cref="Streams"/> × 64 floats) read as <see cref="Streams"/> interleaved streams, one
    /// contiguous slice each, two vectors per stream per step. Internal so a smoke check can test it
    /// against a plain sum.
    /// </summary>
    internal static float SumStreams(ref float start, int length, bool prefetch) =>
        Vector512.IsHardwareAccelerated ? SumStreams512(ref start, length, prefetch) : SumStreams256(ref start, length, prefetch);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe float SumStreams512(ref float start, int length, bool prefetch)
    {
        nuint slice = (nuint)(length / Streams);
        ref float p0 = ref start;
        ref float p1 = ref Unsafe.Add(ref p0, slice);
        ref float p2 = ref Unsafe.Add(ref p1, slice);
        ref float p3 = ref Unsafe.Add(ref p2, slice);
        ref float p4 = ref Unsafe.Add(ref p3, slice);
        ref float p5 = ref Unsafe.Add(ref p4, slice);
        ref float p6 = ref Unsafe.Add(ref p5, slice);
        ref float p7 = ref Unsafe.Add(ref p6, slice);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default, b7 = default;
        const int ahead = PrefetchDistanceBytes / sizeof(float);
        bool soft = prefetch && Sse.IsSupported;
        for (nuint i = 0; i < slice; i += 32)
        {
            if (soft)
            {
                // 32 floats a trip: two cache lines per stream.
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p0, i + ahead)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p0, i + ahead + 16)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p1, i + ahead)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p1, i + ahead + 16)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p2, i + ahead)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p2, i + ahead + 16)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p3, i + ahead)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p3, i + ahead + 16)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p4, i + ahead)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p4, i + ahead + 16)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p5, i + ahead)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p5, i + ahead + 16)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p6, i + ahead)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p6, i + ahead + 16)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p7, i + ahead)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p7, i + ahead + 16)));
            }

            a0 += Vector512.LoadUnsafe(ref p0, i); b0 += Vector512.LoadUnsafe(ref p0, i + 16);
            a1 += Vector512.LoadUnsafe(ref p1, i); b1 += Vector512.LoadUnsafe(ref p1, i + 16);
            a2 += Vector512.LoadUnsafe(ref p2, i); b2 += Vector512.LoadUnsafe(ref p2, i + 16);
            a3 += Vector512.LoadUnsafe(ref p3, i); b3 += Vector512.LoadUnsafe(ref p3, i + 16);
            a4 += Vector512.LoadUnsafe(ref p4, i); b4 += Vector512.LoadUnsafe(ref p4, i + 16);
            a5 += Vector512.LoadUnsafe(ref p5, i); b5 += Vector512.LoadUnsafe(ref p5, i + 16);
            a6 += Vector512.LoadUnsafe(ref p6, i); b6 += Vector512.LoadUnsafe(ref p6, i + 16);
            a7 += Vector512.LoadUnsafe(ref p7, i); b7 += Vector512.LoadUnsafe(ref p7, i + 16);
        }

        return Vector512.Sum((a0 + b0) + (a1 + b1) + (a2 + b2) + (a3 + b3) + (a4 + b4) + (a5 + b5) + (a6 + b6) + (a7 + b7));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe float SumStreams256(ref float start, int length, bool prefetch)
    {
        nuint slice = (nuint)(length / Streams);
        ref float p0 = ref start;
        ref float p1 = ref Unsafe.Add(ref p0, slice);
        ref float p2 = ref Unsafe.Add(ref p1, slice);
        ref float p3 = ref Unsafe.Add(ref p2, slice);
        ref float p4 = ref Unsafe.Add(ref p3, slice);
        ref float p5 = ref Unsafe.Add(ref p4, slice);
        ref float p6 = ref Unsafe.Add(ref p5, slice);
        ref float p7 = ref Unsafe.Add(ref p6, slice);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default, b7 = default;
        const int ahead = PrefetchDistanceBytes / sizeof(float);
        bool soft = prefetch && Sse.IsSupported;
        for (nuint i = 0; i < slice; i += 16)
        {
            if (soft)
            {
                // 16 floats a trip: one cache line per stream.
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p0, i + ahead)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p1, i + ahead)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p2, i + ahead)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p3, i + ahead)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p4, i + ahead)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p5, i + ahead)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p6, i + ahead)));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p7, i + ahead)));
            }

            a0 += Vector256.LoadUnsafe(ref p0, i); b0 += Vector256.LoadUnsafe(ref p0, i + 8);
            a1 += Vector256.LoadUnsafe(ref p1, i); b1 += Vector256.LoadUnsafe(ref p1, i + 8);
            a2 += Vector256.LoadUnsafe(ref p2, i); b2 += Vector256.LoadUnsafe(ref p2, i + 8);
            a3 += Vector256.LoadUnsafe(ref p3, i); b3 += Vector256.LoadUnsafe(ref p3, i + 8);
            a4 += Vector256.LoadUnsafe(ref p4, i); b4 += Vector256.LoadUnsafe(ref p4, i + 8);
            a5 += Vector256.LoadUnsafe(ref p5, i); b5 += Vector256.LoadUnsafe(ref p5, i + 8);
            a6 += Vector256.LoadUnsafe(ref p6, i); b6 += Vector256.LoadUnsafe(ref p6, i + 8);
            a7 += Vector256.LoadUnsafe(ref p7, i); b7 += Vector256.LoadUnsafe(ref p7, i + 8);
        }

        return Vector256.Sum((a0 + b0) + (a1 + b1) + (a2 + b2) + (a3 + b3) + (a4 + b4) + (a5 + b5) + (a6 + b6) + (a7 + b7));
    }

    private sealed class StreamsJob : IParallelJob
    {
        public float[] Buffer { get; set; } = Array.Empty<float>();

        public int Parts { get; set; }

        public bool Prefetch { get; set; }

        public float Sink { get; private set; }

        public void Execute(int item, int worker)
        {
            // Each core's part a multiple of Streams × 64 floats, so every stream ends on a whole step.
            int length = Buffer.Length / Parts / (Streams * 64) * (Streams * 64);
            float sum = SumStreams(ref Buffer[item * length], length, Prefetch);
            if (sum == 42f)
            {
                Sink = sum;
            }
        }
    }

    private sealed class FmaJob : IParallelJob
    {
        public int Parts { get; set; }

        public float Sink { get; private set; }

        public void Execute(int item, int worker)
        {
            float result = Vector512.IsHardwareAccelerated ? Chains512() : Vector256.IsHardwareAccelerated ? Chains256() : Chains128();
            if (result == 42f)
            {
                Sink = result;
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static float Chains256()
        {
            var m = Vector256.Create(0.999999f);
            var a = Vector256.Create(1e-7f);
            Vector256<float> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
            for (int i = 0; i < FloatsPerChain / 8; i++)
            {
                c0 = Vector256.FusedMultiplyAdd(c0, m, a); c1 = Vector256.FusedMultiplyAdd(c1, m, a);
                c2 = Vector256.FusedMultiplyAdd(c2, m, a); c3 = Vector256.FusedMultiplyAdd(c3, m, a);
                c4 = Vector256.FusedMultiplyAdd(c4, m, a); c5 = Vector256.FusedMultiplyAdd(c5, m, a);
                c6 = Vector256.FusedMultiplyAdd(c6, m, a); c7 = Vector256.FusedMultiplyAdd(c7, m, a);
                c8 = Vector256.FusedMultiplyAdd(c8, m, a); c9 = Vector256.FusedMultiplyAdd(c9, m, a);
                c10 = Vector256.FusedMultiplyAdd(c10, m, a); c11 = Vector256.FusedMultiplyAdd(c11, m, a);
            }

            return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static float Chains512()
        {
            var m = Vector512.Create(0.999999f);
            var a = Vector512.Create(1e-7f);
            Vector512<float> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
            for (int i = 0; i < FloatsPerChain / 16; i++)
            {
                c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a);
                c2 = Vector512.FusedMultiplyAdd(c2, m, a); c3 = Vector512.FusedMultiplyAdd(c3, m, a);
                c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a);
                c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a);
                c8 = Vector512.FusedMultiplyAdd(c8, m, a); c9 = Vector512.FusedMultiplyAdd(c9, m, a);
                c10 = Vector512.FusedMultiplyAdd(c10, m, a); c11 = Vector512.FusedMultiplyAdd(c11, m, a);
            }

            return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static float Chains128()
        {
            var m = Vector128.Create(0.999999f);
            var a = Vector128.Create(1e-7f);
            Vector128<float> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
            for (int i = 0; i < FloatsPerChain / 4; i++)
            {
                c0 = Vector128.FusedMultiplyAdd(c0, m, a); c1 = Vector128.FusedMultiplyAdd(c1, m, a);
                c2 = Vector128.FusedMultiplyAdd(c2, m, a); c3 = Vector128.FusedMultiplyAdd(c3, m, a);
                c4 = Vector128.FusedMultiplyAdd(c4, m, a); c5 = Vector128.FusedMultiplyAdd(c5, m, a);
                c6 = Vector128.FusedMultiplyAdd(c6, m, a); c7 = Vector128.FusedMultiplyAdd(c7, m, a);
                c8 = Vector128.FusedMultiplyAdd(c8, m, a); c9 = Vector128.FusedMultiplyAdd(c9, m, a);
                c10 = Vector128.FusedMultiplyAdd(c10, m, a); c11 = Vector128.FusedMultiplyAdd(c11, m, a);
            }

            return Vector128.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
        }
    }

    private sealed class ReadJob : IParallelJob
    {
        public float[] Buffer { get; set; } = Array.Empty<float>();

        public int Parts { get; set; }

        public float Sink { get; private set; }

        public void Execute(int item, int worker)
        {
            int length = Buffer.Length / Parts;
            ref float start = ref Buffer[item * length];
            var s0 = Vector256<float>.Zero;
            var s1 = Vector256<float>.Zero;
            var s2 = Vector256<float>.Zero;
            var s3 = Vector256<float>.Zero;
            for (nuint i = 0; i < (nuint)length; i += 32)
            {
                s0 += Vector256.LoadUnsafe(ref start, i);
                s1 += Vector256.LoadUnsafe(ref start, i + 8);
                s2 += Vector256.LoadUnsafe(ref start, i + 16);
                s3 += Vector256.LoadUnsafe(ref start, i + 24);
            }

            float sum = Vector256.Sum(s0 + s1 + s2 + s3);
            if (sum == 42f)
            {
                Sink = sum;
            }
        }
    }
}

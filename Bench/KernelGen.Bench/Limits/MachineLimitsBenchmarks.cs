using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using KernelGen.Threading;

namespace KernelGen.Bench.Limits;

/// <summary>
/// The two limits attention is measured against: fp32 fused-multiply-add throughput (prefill is
/// compute-bound) and sustained memory read bandwidth (long-context decode is memory-bound),
/// each on one core and on all of them (through the same worker pool the kernels use).
/// </summary>
/// <remarks>
/// Peak: 12 independent FMA chains per core in registers (enough to cover FMA latency × issue
/// width on current x86 and Arm cores), widest accelerated vector. Bandwidth: a sum over a
/// buffer far larger than the last-level cache, 4 accumulators, each core its own contiguous
/// slice. The report divides <see cref="FlopsPerCall"/> and <see cref="BytesPerCall"/> by the time.
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

    [Params(1, 0)]
    public int Cores { get; set; }

    /// <summary>The cores used: 0 means all of them.</summary>
    private int Workers => Cores == 0 ? WorkerPool.Shared.Workers : Cores;

    /// <summary>fp32 operations in one <see cref="FmaPeak"/> call (an FMA counts 2) per core, whatever the vector width.</summary>
    public const long FlopsPerCallPerCore = 12L * FloatsPerChain * 2;

    /// <summary>Bytes read by one <see cref="MemoryReadBandwidth"/> call.</summary>
    public static long BytesPerCall => (long)BufferFloats * sizeof(float);

    [GlobalSetup(Target = nameof(MemoryReadBandwidth))]
    public void SetupBuffer()
    {
        _buffer = GC.AllocateUninitializedArray<float>(BufferFloats, pinned: true);
        for (int i = 0; i < _buffer.Length; i++)
        {
            _buffer[i] = (i & 1023) * 1e-3f;
        }

        _read.Buffer = _buffer;
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

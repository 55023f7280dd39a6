using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using KernelGen.Bench.Peers;
using KernelGen.Checkpoints;
using KernelGen.Quantization;

namespace KernelGen.Bench.Quantized;

/// <summary>
/// One matrix-vector product alone, per weight type, on one thread: TinyLlama's feed-forward up
/// projection (5632 rows of 2048 columns) in F32 and in each quantized encoding, with float32
/// activations and with activations rounded to 8 bits (the integer kernels; F32 ignores it). The GB/s
/// column is the matrix's bytes over the time: how close each kernel comes to streaming its weights.
/// </summary>
[Config(typeof(DefaultConfig))]
[MatrixBandwidthColumn]
public class QuantizedMatrixVectorBenchmarks
{
    /// <summary>Rows of the matrix.</summary>
    public const int Rows = 5632;

    /// <summary>Columns of the matrix (the input's length).</summary>
    public const int Columns = 2048;

    private QuantizedMatrix _matrix = null!;
    private float[] _x = null!, _y = null!, _sums = null!;
    private Q8Activations _activations = null!;

    /// <summary>The weight encoding.</summary>
    [Params(GgufTensorType.F32, GgufTensorType.Q8_0, GgufTensorType.Q4_0, GgufTensorType.Q5_0, GgufTensorType.Q4_K, GgufTensorType.Q5_K, GgufTensorType.Q6_K)]
    public GgufTensorType Type { get; set; } = GgufTensorType.Q4_0;

    /// <summary>Round x to 8 bits and run the integer kernel (where this machine has one for the type).</summary>
    [Params(false, true)]
    public bool Int8Activations { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _matrix = QuantizedModels.RandomMatrix(Type, Rows, Columns, seed: 5);
        var random = new Random(6);
        _x = new float[Columns];
        for (int i = 0; i < _x.Length; i++)
        {
            _x[i] = 2 * random.NextSingle() - 1;
        }

        _y = new float[Rows];
        _sums = new float[Columns / 32];
        _activations = new Q8Activations(Columns);
    }

    /// <summary>y = W·x: x rounded, then the integer kernel; or the block sums the K types need, then the float kernel.</summary>
    [Benchmark]
    public float Multiply()
    {
        if (Int8Activations && Q8Activations.Supports(Type))
        {
            _activations.QuantizeFor(Type, _x);
            _activations.Multiply(_matrix, _y, 0, accumulate: false);
            return _y[0];
        }

        QuantizedMatrixVector.BlockSums(_x, _sums);
        QuantizedMatrixVector.Multiply(_matrix, _x, _sums, _y);
        return _y[0];
    }

    /// <summary>Bytes the product reads for <paramref name="type"/>'s matrix.</summary>
    public static double MatrixBytes(GgufTensorType type) => (double)QuantizedBlocks.RowBytes(type, Columns) * Rows;
}

/// <summary>Adds a "GB/s" column: the matrix's bytes / mean time.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class MatrixBandwidthColumnAttribute : Attribute, IConfigSource
{
    /// <inheritdoc />
    public IConfig Config { get; } = ManualConfig.CreateEmpty().AddColumn(new ThroughputColumn(
        "GB/s",
        "bytes of the weight matrix / mean time, 10^9 bytes per second",
        c => QuantizedMatrixVectorBenchmarks.MatrixBytes((GgufTensorType)c.Parameters[nameof(QuantizedMatrixVectorBenchmarks.Type)])));
}

using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using KernelGen.Bench.Peers;
using KernelGen.Checkpoints;
using KernelGen.Quantization;

namespace KernelGen.Bench.Quantized;

/// <summary>
/// One matrix-vector product alone, per weight type, on one thread: TinyLlama's feed-forward up
/// projection (5632 rows of 2048 columns) in F32 and in each quantized encoding. The GB/s column is
/// the matrix's bytes over the time: how close each kernel comes to streaming its weights.
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

    /// <summary>The weight encoding.</summary>
    [Params(GgufTensorType.F32, GgufTensorType.Q8_0, GgufTensorType.Q4_0, GgufTensorType.Q5_0, GgufTensorType.Q4_K, GgufTensorType.Q5_K, GgufTensorType.Q6_K)]
    public GgufTensorType Type { get; set; } = GgufTensorType.Q4_0;

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
    }

    /// <summary>y = W·x, with the block sums the K types need.</summary>
    [Benchmark]
    public float Multiply()
    {
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

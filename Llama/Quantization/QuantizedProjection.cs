using System;
using KernelGen.Threading;

namespace KernelGen.Quantization;

/// <summary>
/// <see cref="QuantizedMatrixVector"/> on every core for matrices large enough to pay for it, rows
/// split into blocks that workers claim, as <see cref="KernelGen.Decoding.ParallelMatrixVector"/> does
/// for float32 (the result is bit for bit the single-threaded one). Owns the block-sum scratch, so a
/// product allocates nothing. One per session; not thread-safe.
/// </summary>
/// <remarks>
/// With <c>quantizeActivations</c>, products with quantized matrices round x to 8 bits and run the
/// integer kernels of <see cref="Q8Activations"/> (the error that adds is stated there); F32 matrices,
/// and every machine without AVX2, keep float32 activations. A product told its input is the previous
/// product's (<c>sameInput</c>: the Q, K and V projections of one normed vector, the gate and up
/// projections) reuses that input's rounding — Q8_0 for Q8_0/Q4_0/Q5_0 matrices, Q8_K for the K
/// types, each made at most once per input — or its block sums, instead of redoing them per matrix.
/// </remarks>
public sealed unsafe class QuantizedProjection : IParallelJob
{
    /// <summary>
    /// Matrices smaller than this (bytes) run on the calling thread. 256 KiB is about 13 µs of one
    /// core's reading, several times a hand-off to the pool; a TinyLlama-shaped Q4_0 file's K and V
    /// projections (576 KiB each) were under the former 1 MiB, and ran on one core while the other waited.
    /// </summary>
    public const long MinParallelBytes = 1 << 18;

    private readonly WorkerPool _pool;
    private readonly float[] _sums;
    private readonly Q8Activations? _q8;        // the input rounded to Q8_0 blocks
    private readonly Q8Activations? _q8Super;   // the input rounded to Q8_K super-blocks
    private Q8Activations? _active;             // the rounding this product reads
    private bool _blocksReady, _superReady, _sumsReady;
    private int _inputLength = -1;
    private bool _integer;
    private QuantizedMatrix? _matrix;
    private float* _x, _y;
    private int _rowsPerItem;
    private bool _accumulate;

    /// <summary>Creates a projection for inputs of up to <paramref name="maxColumns"/> values.</summary>
    /// <param name="maxColumns">The longest input.</param>
    /// <param name="quantizeActivations">Round x to 8 bits for the types that have integer kernels (see the remarks).</param>
    /// <param name="pool">The workers; the shared pool when null.</param>
    public QuantizedProjection(int maxColumns, bool quantizeActivations = false, WorkerPool? pool = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxColumns);
        _pool = pool ?? WorkerPool.Shared;
        _sums = new float[maxColumns / 32 + 1];
        _q8 = quantizeActivations ? new Q8Activations(maxColumns + 31) : null;
        _q8Super = quantizeActivations ? new Q8Activations(maxColumns + 31) : null;
    }

    /// <summary>y = W·x, or y += W·x when <paramref name="accumulate"/>.</summary>
    /// <param name="matrix">The weights.</param>
    /// <param name="x">The input.</param>
    /// <param name="y">The output; must not overlap <paramref name="x"/>.</param>
    /// <param name="accumulate">Add to y instead of overwriting it.</param>
    /// <param name="sameInput">x holds the same values as the previous product's input (the caller's promise): what was derived from it then is reused.</param>
    /// <exception cref="ArgumentException">x or y do not fit the matrix.</exception>
    public void Multiply(QuantizedMatrix matrix, ReadOnlySpan<float> x, Span<float> y, bool accumulate = false, bool sameInput = false)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (x.Length != matrix.Columns || y.Length != matrix.Rows || x.Length / 32 > _sums.Length)
        {
            throw new ArgumentException($"A {matrix} product takes x of {matrix.Columns} and y of {matrix.Rows} values (this projection up to {_sums.Length * 32} columns); got {x.Length} and {y.Length}.", nameof(x));
        }

        if (!sameInput || x.Length != _inputLength)
        {
            _blocksReady = _superReady = _sumsReady = false;
            _inputLength = x.Length;
        }

        var sums = _sums.AsSpan(0, x.Length / 32);
        _integer = _q8 is not null && Q8Activations.Supports(matrix.Type);
        if (_integer)
        {
            bool super = Q8Activations.TakesSuperBlocks(matrix.Type);
            _active = super ? _q8Super! : _q8!;
            ref bool ready = ref super ? ref _superReady : ref _blocksReady;
            if (!ready)
            {
                _active.QuantizeFor(matrix.Type, x);
                ready = true;
            }
        }
        else if (!_sumsReady)
        {
            QuantizedMatrixVector.BlockSums(x, sums);
            _sumsReady = true;
        }

        int rows = y.Length;
        if (matrix.ByteLength < MinParallelBytes || _pool.Workers == 1 || rows < 8)
        {
            if (_integer)
            {
                _active!.Multiply(matrix, y, 0, accumulate);
            }
            else
            {
                QuantizedMatrixVector.Multiply(matrix, x, sums, y, 0, accumulate);
            }

            return;
        }

        int items = Math.Min(rows / 4, 4 * _pool.Workers);
        _rowsPerItem = (rows / items + 3) / 4 * 4;
        items = (rows + _rowsPerItem - 1) / _rowsPerItem;
        fixed (float* xPointer = x, yPointer = y)
        {
            _matrix = matrix;
            _x = xPointer;
            _y = yPointer;
            _accumulate = accumulate;
            try
            {
                _pool.Run(this, items);
            }
            finally
            {
                _matrix = null;
                _x = _y = null;
            }
        }
    }

    /// <inheritdoc />
    void IParallelJob.Execute(int item, int worker)
    {
        var matrix = _matrix!;
        int first = item * _rowsPerItem;
        int count = Math.Min(_rowsPerItem, matrix.Rows - first);
        if (_integer)
        {
            _active!.Multiply(matrix, new Span<float>(_y + first, count), first, _accumulate);
            return;
        }

        QuantizedMatrixVector.Multiply(matrix, new ReadOnlySpan<float>(_x, matrix.Columns), _sums.AsSpan(0, matrix.Columns / 32), new Span<float>(_y + first, count), first, _accumulate);
    }
}

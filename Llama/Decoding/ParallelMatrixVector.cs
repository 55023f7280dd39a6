using System;
using System.Runtime.CompilerServices;
using KernelGen.Threading;

namespace KernelGen.Decoding;

/// <summary>
/// y = W·x on every core for matrices large enough to pay for it: the rows are split into blocks
/// that workers claim (<see cref="WorkerPool"/>), each block computed by <see cref="MatrixVector"/>
/// exactly as one thread would, so the result is bit for bit the single-threaded one. Decoding a
/// large model reads every weight once per token; one core cannot draw the memory bandwidth that
/// two can.
/// </summary>
/// <remarks>
/// One instance per session, reused for every product: a product allocates nothing. The spans are
/// pinned for the length of the run and handed to the workers as pointers. Not thread-safe.
/// </remarks>
internal sealed unsafe class ParallelMatrixVector : IParallelJob
{
    /// <summary>Matrices smaller than this (floats) run on the calling thread: waking a worker would cost more than it saves.</summary>
    public const int MinParallelFloats = 1 << 18;

    /// <summary>Rows per block are a multiple of this, so MatrixVector's four-row blocks stay whole.</summary>
    private const int RowGranule = 4;

    private readonly WorkerPool _pool;
    private float* _matrix, _x, _y;
    private int _rows, _columns, _rowsPerItem;
    private bool _accumulate;

    public ParallelMatrixVector(WorkerPool? pool = null)
    {
        _pool = pool ?? WorkerPool.ForNewKernels;
    }

    /// <summary>y = W·x, or y += W·x when <paramref name="accumulate"/>; see <see cref="MatrixVector.Multiply"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Multiply(ReadOnlySpan<float> matrix, ReadOnlySpan<float> x, Span<float> y, bool accumulate = false)
    {
        int rows = y.Length, columns = x.Length;
        if (matrix.Length < MinParallelFloats || _pool.Workers == 1 || rows < 2 * RowGranule || (long)rows * columns != matrix.Length)
        {
            MatrixVector.Multiply(matrix, x, y, accumulate);
            return;
        }

        // A few blocks per worker, so a worker slowed by another process does not hold up the rest.
        int items = Math.Min(rows / RowGranule, 4 * _pool.Workers);
        _rowsPerItem = (rows / items + RowGranule - 1) / RowGranule * RowGranule;
        items = (rows + _rowsPerItem - 1) / _rowsPerItem;
        fixed (float* matrixPointer = matrix, xPointer = x, yPointer = y)
        {
            _matrix = matrixPointer;
            _x = xPointer;
            _y = yPointer;
            (_rows, _columns, _accumulate) = (rows, columns, accumulate);
            try
            {
                _pool.Run(this, items);
            }
            finally
            {
                _matrix = _x = _y = null;
            }
        }
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int item, int worker)
    {
        int first = item * _rowsPerItem;
        int count = Math.Min(_rowsPerItem, _rows - first);
        MatrixVector.Multiply(
            new ReadOnlySpan<float>(_matrix + (long)first * _columns, count * _columns),
            new ReadOnlySpan<float>(_x, _columns),
            new Span<float>(_y + first, count),
            _accumulate);
    }
}

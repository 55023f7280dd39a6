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
/// The decoder gives those products of one input to a single call that runs them in one run of the
/// workers (two or three matrices, items split by bytes across all of them): on a 2-core Zen 5,
/// decoding a TinyLlama-shaped Q4_K_M file at position 256 went from 67–71 to 71–74 tokens/s, Q4_0
/// from 73–77 to 75–79 (processes alternated).
/// </remarks>
public sealed unsafe class QuantizedProjection : IParallelJob
{
    /// <summary>
    /// Matrices (or the matrices of one run, together) smaller than this (bytes) run on the calling thread. 256 KiB is about 13 µs of one
    /// core's reading, several times a hand-off to the pool; a TinyLlama-shaped Q4_0 file's K and V
    /// projections (576 KiB each) were under the former 1 MiB, and ran on one core while the other waited.
    /// </summary>
    public const long MinParallelBytes = 1 << 18;

    /// <summary>Most products one run of the pool takes (<see cref="Multiply(QuantizedMatrix, Span{float}, QuantizedMatrix, Span{float}, QuantizedMatrix?, Span{float}, ReadOnlySpan{float})"/>).</summary>
    private const int MaxParts = 3;

    private readonly WorkerPool _pool;
    private readonly float[] _sums;
    private readonly Q8Activations? _q8;        // the input rounded to Q8_0 blocks
    private readonly Q8Activations? _q8Super;   // the input rounded to Q8_K super-blocks
    private bool _blocksReady, _superReady, _sumsReady;
    private int _inputLength = -1;
    private readonly Part[] _parts = new Part[MaxParts];
    private int _partCount;
    private float* _x;

    /// <summary>One product of a run: its matrix, output, and the items its rows are split into.</summary>
    private struct Part
    {
        public QuantizedMatrix? Matrix;
        public Q8Activations? Rounding;   // the input's rounding its integer kernel reads; null: float32 activations
        public float* Y;
        public bool Accumulate;
        public int RowsPerItem;
        public int FirstItem;             // the run's item number of this part's first item
    }

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
        Check(matrix, x, y);
        Prepare(x, sameInput);
        fixed (float* xPointer = x, yPointer = y)
        {
            _partCount = 0;
            AddPart(matrix, x, yPointer, accumulate);
            Run(xPointer);
        }
    }

    /// <summary>
    /// y₁ = W₁·x, y₂ = W₂·x and, when <paramref name="third"/> is given, y₃ = W₃·x, in one run of the
    /// workers: the Q, K and V projections of a normed vector, the gate and up projections. Each row is
    /// computed exactly as <see cref="Multiply(QuantizedMatrix, ReadOnlySpan{float}, Span{float}, bool, bool)"/>
    /// computes it (same kernels, same rounding of x, made once for all three); what the single run saves
    /// is the workers' start and tail per product: a small matrix (K and V of a GQA model are a quarter of
    /// Q) split in a run of its own left each core little to do between waits.
    /// </summary>
    /// <param name="first">The first matrix.</param>
    /// <param name="firstY">Its output.</param>
    /// <param name="second">The second matrix.</param>
    /// <param name="secondY">Its output.</param>
    /// <param name="third">The third matrix, or null for two products.</param>
    /// <param name="thirdY">Its output (empty when <paramref name="third"/> is null).</param>
    /// <param name="x">The input all of them read; no output may overlap it.</param>
    /// <exception cref="ArgumentException">x or an output does not fit its matrix.</exception>
    public void Multiply(QuantizedMatrix first, Span<float> firstY, QuantizedMatrix second, Span<float> secondY, QuantizedMatrix? third, Span<float> thirdY, ReadOnlySpan<float> x)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        Check(first, x, firstY);
        Check(second, x, secondY);
        if (third is not null)
        {
            Check(third, x, thirdY);
        }

        Prepare(x, sameInput: false);
        fixed (float* xPointer = x, y1 = firstY, y2 = secondY, y3 = thirdY)
        {
            _partCount = 0;
            AddPart(first, x, y1, accumulate: false);
            AddPart(second, x, y2, accumulate: false);
            if (third is not null)
            {
                AddPart(third, x, y3, accumulate: false);
            }

            Run(xPointer);
        }
    }

    private void Check(QuantizedMatrix matrix, ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length != matrix.Columns || y.Length != matrix.Rows || x.Length / 32 > _sums.Length)
        {
            throw new ArgumentException($"A {matrix} product takes x of {matrix.Columns} and y of {matrix.Rows} values (this projection up to {_sums.Length * 32} columns); got {x.Length} and {y.Length}.", nameof(x));
        }
    }

    /// <summary>Forgets what was derived from the previous input unless told x is the same.</summary>
    private void Prepare(ReadOnlySpan<float> x, bool sameInput)
    {
        if (!sameInput || x.Length != _inputLength)
        {
            _blocksReady = _superReady = _sumsReady = false;
            _inputLength = x.Length;
        }
    }

    /// <summary>Adds a product to the run, rounding x (or summing its blocks) for it if no earlier product of this input did.</summary>
    private void AddPart(QuantizedMatrix matrix, ReadOnlySpan<float> x, float* y, bool accumulate)
    {
        ref var part = ref _parts[_partCount++];
        part.Matrix = matrix;
        part.Accumulate = accumulate;
        part.Y = y;
        part.Rounding = null;
        if (_q8 is not null && Q8Activations.Supports(matrix.Type))
        {
            bool super = Q8Activations.TakesSuperBlocks(matrix.Type);
            part.Rounding = super ? _q8Super! : _q8!;
            ref bool ready = ref super ? ref _superReady : ref _blocksReady;
            if (!ready)
            {
                part.Rounding.QuantizeFor(matrix.Type, x);
                ready = true;
            }
        }
        else if (!_sumsReady)
        {
            QuantizedMatrixVector.BlockSums(x, _sums.AsSpan(0, x.Length / 32));
            _sumsReady = true;
        }
    }

    /// <summary>
    /// Runs the parts: on the calling thread when they are small, else rows split into items of about
    /// a quarter of a worker's share of the bytes, every part's items in one run of the pool.
    /// </summary>
    /// <remarks>The caller has pinned x and every part's output for the length of the call.</remarks>
    private void Run(float* x)
    {
        long bytes = 0;
        int rows = 0;
        for (int i = 0; i < _partCount; i++)
        {
            bytes += _parts[i].Matrix!.ByteLength;
            rows += _parts[i].Matrix!.Rows;
        }

        _x = x;
        try
        {
            if (bytes < MinParallelBytes || _pool.Workers == 1 || rows < 8)
            {
                for (int i = 0; i < _partCount; i++)
                {
                    Compute(ref _parts[i], 0, _parts[i].Matrix!.Rows);
                }

                return;
            }

            // A few items per worker, so a worker slowed by another process does not hold up the rest.
            long itemBytes = Math.Max(1, bytes / (4 * _pool.Workers));
            int items = 0;
            for (int i = 0; i < _partCount; i++)
            {
                ref var part = ref _parts[i];
                int partRows = part.Matrix!.Rows;
                int partItems = (int)Math.Clamp((part.Matrix.ByteLength + itemBytes - 1) / itemBytes, 1, Math.Max(1, partRows / 4));
                part.RowsPerItem = (partRows / partItems + 3) / 4 * 4;
                part.FirstItem = items;
                items += (partRows + part.RowsPerItem - 1) / part.RowsPerItem;
            }

            _pool.Run(this, items);
        }
        finally
        {
            _x = null;
            for (int i = 0; i < _partCount; i++)
            {
                _parts[i] = default;
            }
        }
    }

    /// <inheritdoc />
    void IParallelJob.Execute(int item, int worker)
    {
        int i = _partCount - 1;
        while (_parts[i].FirstItem > item)
        {
            i--;
        }

        ref var part = ref _parts[i];
        int first = (item - part.FirstItem) * part.RowsPerItem;
        Compute(ref part, first, Math.Min(part.RowsPerItem, part.Matrix!.Rows - first));
    }

    /// <summary>Rows <paramref name="first"/>.. of one part.</summary>
    private void Compute(ref Part part, int first, int count)
    {
        var matrix = part.Matrix!;
        var y = new Span<float>(part.Y + first, count);
        if (part.Rounding is not null)
        {
            part.Rounding.Multiply(matrix, y, first, part.Accumulate);
            return;
        }

        QuantizedMatrixVector.Multiply(matrix, new ReadOnlySpan<float>(_x, matrix.Columns), _sums.AsSpan(0, matrix.Columns / 32), y, first, part.Accumulate);
    }
}

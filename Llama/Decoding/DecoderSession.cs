using System;
using System.Runtime.CompilerServices;
using KernelGen.Caching;
using KernelGen.Checkpoints;
using KernelGen.Kernels;
using KernelGen.Quantization;
using KernelGen.Threading;

namespace KernelGen.Decoding;

/// <summary>
/// One sequence being decoded: its KV cache, its attention kernels and every activation buffer,
/// allocated when the session is created (the prefill block's buffers on the first
/// <see cref="Prefill"/>). <see cref="Forward"/> and <see cref="Prefill"/> allocate nothing after that.
/// </summary>
/// <remarks>
/// Per token, as run.c's <c>forward</c> (docs/FORMATS.md §1): x = embedding[token]; per layer,
/// x += Wo·attention(rope(Wq·n), rope(Wk·n), Wv·n) with n = rmsnorm(x), then
/// x += W2·(silu(W1·n) ⊙ W3·n) with n = rmsnorm(x); finally logits = Wcls·rmsnorm(x).
/// Attention goes only through <see cref="AttentionKernels.Decode"/>, so generated, generic and
/// reference kernels plug in unchanged. Not thread-safe.
/// </remarks>
public sealed class DecoderSession
{
    /// <summary>Most tokens one <see cref="Prefill"/> block processes; longer prompts go in several blocks.</summary>
    public const int PrefillBlock = 32;

    private readonly LlamaDecoder _decoder;
    private readonly KvCache _cache;
    private readonly float[] _x;          // [dim] residual stream
    private readonly float[] _normed;     // [dim] rmsnorm(x), input of the projections
    private readonly float[] _query;      // [heads][head_dim]
    private readonly float[] _key;        // [kv_heads][head_dim]
    private readonly float[] _value;      // [kv_heads][head_dim]
    private readonly float[] _attention;  // [heads][head_dim] attention output
    private readonly float[] _gate;       // [hidden_dim] W1·n, then silu(W1·n) ⊙ W3·n
    private readonly float[] _up;         // [hidden_dim] W3·n
    private readonly float[] _logits;     // [vocab]
    private readonly float _epsilon;      // the model's RMSNorm epsilon
    private readonly ParallelMatrixVector _projection;  // large projections on the pool's threads
    private readonly QuantizedProjection? _quantized;   // the same for a quantized model's matrices
    private PrefillBuffers? _block;       // [PrefillBlock][...] activations, allocated by the first Prefill

    internal DecoderSession(LlamaDecoder decoder, AttentionKernels kernels, int contextLength, WorkerPool? pool = null, KvCacheFormat? kvCache = null)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        var shape = decoder.Shape;
        var kernelShape = kernels.Shape;
        if (kernelShape.Dim != shape.Dim || kernelShape.Layers != shape.Layers || kernelShape.Heads != shape.Heads || kernelShape.KvHeads != shape.KvHeads)
        {
            throw new ArgumentException(
                $"The {kernels.Name} kernels run dim {kernelShape.Dim}, {kernelShape.Layers} layers, {kernelShape.Heads}/{kernelShape.KvHeads} heads, " +
                $"but the model has dim {shape.Dim}, {shape.Layers} layers, {shape.Heads}/{shape.KvHeads} heads.", nameof(kernels));
        }

        if (contextLength <= 0 || contextLength > shape.MaxSeqLen || contextLength > kernelShape.MaxSeqLen)
        {
            throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength,
                $"The context must hold 1..{Math.Min(shape.MaxSeqLen, kernelShape.MaxSeqLen)} positions (the model's seq_len {shape.MaxSeqLen}, the {kernels.Name} kernels' {kernelShape.MaxSeqLen}).");
        }

        _projection = new ParallelMatrixVector(pool);
        _decoder = decoder;
        _epsilon = decoder.Settings.RmsNormEpsilon;
        Kernels = kernels;
        ContextLength = contextLength;
        _cache = kernels.CreateCache(contextLength, kvCache);
        _x = new float[shape.Dim];
        _normed = new float[shape.Dim];
        _query = new float[shape.Dim];
        _key = new float[shape.KvDim];
        _value = new float[shape.KvDim];
        _attention = new float[shape.Dim];
        _gate = new float[shape.HiddenDim];
        _up = new float[shape.HiddenDim];
        _logits = new float[shape.Vocab];
        _quantized = decoder.Weights.IsQuantized ? new QuantizedProjection(Math.Max(shape.Dim, shape.HiddenDim), decoder.Settings.QuantizeActivations, pool) : null;
    }

    /// <summary>The model's shape.</summary>
    public ModelShape Shape => _decoder.Shape;

    /// <summary>How the session's KV cache stores keys and values.</summary>
    public KvCacheFormat CacheFormat => _cache.Format;

    /// <summary>Bytes the session's KV cache holds (keys, values and int8 scales, every layer).</summary>
    public long CacheBytes => _cache.Bytes;

    /// <summary>The attention kernels this session runs.</summary>
    public AttentionKernels Kernels { get; }

    /// <summary>Positions this session holds.</summary>
    public int ContextLength { get; }

    /// <summary>Positions processed so far (the next position to feed).</summary>
    public int Length => _cache.Length(0);

    /// <summary>The logits of the last <see cref="Forward"/>; overwritten by the next one.</summary>
    public Span<float> Logits => _logits;

    /// <summary>Forgets the sequence; buffers are kept for the next one.</summary>
    public void Reset() => _cache.Reset();

    /// <summary>
    /// Runs <paramref name="token"/> at <paramref name="position"/> through the model and returns the
    /// logits for the next token (valid until the next call; a sampler may overwrite them).
    /// </summary>
    /// <param name="token">The input token id.</param>
    /// <param name="position">Its position: at most <see cref="Length"/> (earlier positions are overwritten) and below <see cref="ContextLength"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Span<float> Forward(int token, int position)
    {
        var shape = _decoder.Shape;
        if ((uint)token >= (uint)shape.Vocab)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token id {token} is outside the vocabulary of {shape.Vocab}.");
        }

        if ((uint)position >= (uint)ContextLength || position > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position,
                $"Position {position} is outside the context (0..{ContextLength - 1}) or leaves a gap after the {Length} positions processed.");
        }

        var weights = _decoder.Weights;
        int dim = shape.Dim;
        weights.CopyEmbedding(token, _x);

        for (int layer = 0; layer < shape.Layers; layer++)
        {
            // Attention block.
            RmsNorm.Apply(_x, weights.AttentionNorm(layer), _normed, _epsilon);
            MultiplyShared(weights, layer, LlamaMatrix.Query, _query, LlamaMatrix.Key, _key, LlamaMatrix.Value, _value);
            _decoder.Rope.Apply(_query, _key, position);
            Kernels.Decode(_cache, layer, position, _query, _key, _value, _attention);
            Multiply(weights, LlamaMatrix.Output, layer, _attention, _x, accumulate: true);

            // Feed-forward block.
            RmsNorm.Apply(_x, weights.FeedForwardNorm(layer), _normed, _epsilon);
            MultiplyShared(weights, layer, LlamaMatrix.Gate, _gate, LlamaMatrix.Up, _up, null, default);
            SwiGlu.Apply(_gate, _up);
            Multiply(weights, LlamaMatrix.Down, layer, _gate, _x, accumulate: true);
        }

        RmsNorm.Apply(_x, weights.FinalNorm, _x, _epsilon);
        Classify(weights);
        return _logits;
    }

    /// <summary>
    /// Runs a block of tokens at positions <paramref name="start"/>.. through the model at once
    /// (prompt processing): the same arithmetic per token as <see cref="Forward"/>, except that
    /// attention goes through <see cref="AttentionKernels.Prefill"/> and each weight matrix is read
    /// once per block of up to <see cref="PrefillBlock"/> tokens instead of once per token.
    /// Returns the logits after the last token.
    /// </summary>
    /// <param name="tokens">The tokens, at least one.</param>
    /// <param name="start">Position of the first: at most <see cref="Length"/>; the last must fall inside the context.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Span<float> Prefill(ReadOnlySpan<int> tokens, int start)
    {
        var shape = _decoder.Shape;
        if (tokens.IsEmpty)
        {
            throw new ArgumentException("Prefill needs at least one token.", nameof(tokens));
        }

        if (start < 0 || start > Length || (long)start + tokens.Length > ContextLength)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start,
                $"Positions {start}..{(long)start + tokens.Length - 1} are outside the context (0..{ContextLength - 1}) or leave a gap after the {Length} positions processed.");
        }

        foreach (int token in tokens)
        {
            if ((uint)token >= (uint)shape.Vocab)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), token, $"Token id {token} is outside the vocabulary of {shape.Vocab}.");
            }
        }

        // Allocated once, on first use: sessions that never prefill never pay for the block buffers.
        _block ??= new PrefillBuffers(shape);
        for (int done = 0; done < tokens.Length; done += PrefillBlock)
        {
            int count = Math.Min(PrefillBlock, tokens.Length - done);
            PrefillBlockOf(tokens.Slice(done, count), start + done, _block);
        }

        // Logits only for the last token: the forced prompt positions never need theirs.
        var weights = _decoder.Weights;
        int last = (tokens.Length - 1) % PrefillBlock;
        RmsNorm.Apply(_block.X.AsSpan(last * shape.Dim, shape.Dim), weights.FinalNorm, _x, _epsilon);
        Classify(weights);
        return _logits;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PrefillBlockOf(ReadOnlySpan<int> tokens, int start, PrefillBuffers block)
    {
        var shape = _decoder.Shape;
        var weights = _decoder.Weights;
        int dim = shape.Dim, kvDim = shape.KvDim, hidden = shape.HiddenDim, count = tokens.Length;
        for (int t = 0; t < count; t++)
        {
            weights.CopyEmbedding(tokens[t], block.X.AsSpan(t * dim, dim));
        }

        for (int layer = 0; layer < shape.Layers; layer++)
        {
            for (int t = 0; t < count; t++)
            {
                RmsNorm.Apply(block.X.AsSpan(t * dim, dim), weights.AttentionNorm(layer), block.Normed.AsSpan(t * dim, dim), _epsilon);
            }

            // One matrix at a time over the whole block, so it stays in cache across the tokens.
            Project(weights, LlamaMatrix.Query, layer, block.Normed, dim, block.Query, dim, count);
            Project(weights, LlamaMatrix.Key, layer, block.Normed, dim, block.Key, kvDim, count);
            Project(weights, LlamaMatrix.Value, layer, block.Normed, dim, block.Value, kvDim, count);
            for (int t = 0; t < count; t++)
            {
                _decoder.Rope.Apply(block.Query.AsSpan(t * dim, dim), block.Key.AsSpan(t * kvDim, kvDim), start + t);
            }

            Kernels.Prefill(_cache, layer, start, count,
                block.Query.AsSpan(0, count * dim), block.Key.AsSpan(0, count * kvDim), block.Value.AsSpan(0, count * kvDim), block.Attention.AsSpan(0, count * dim));
            Project(weights, LlamaMatrix.Output, layer, block.Attention, dim, block.X, dim, count, accumulate: true);

            for (int t = 0; t < count; t++)
            {
                RmsNorm.Apply(block.X.AsSpan(t * dim, dim), weights.FeedForwardNorm(layer), block.Normed.AsSpan(t * dim, dim), _epsilon);
            }

            Project(weights, LlamaMatrix.Gate, layer, block.Normed, dim, block.Gate, hidden, count);
            Project(weights, LlamaMatrix.Up, layer, block.Normed, dim, block.Up, hidden, count);
            for (int t = 0; t < count; t++)
            {
                SwiGlu.Apply(block.Gate.AsSpan(t * hidden, hidden), block.Up.AsSpan(t * hidden, hidden));
            }

            Project(weights, LlamaMatrix.Down, layer, block.Gate, hidden, block.X, dim, count, accumulate: true);
        }
    }

    /// <summary>y[t] = W·x[t] (or +=) for each of the block's tokens.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Project(LlamaWeights weights, LlamaMatrix matrix, int layer, float[] x, int inputs, float[] y, int outputs, int count, bool accumulate = false)
    {
        for (int t = 0; t < count; t++)
        {
            Multiply(weights, matrix, layer, x.AsSpan(t * inputs, inputs), y.AsSpan(t * outputs, outputs), accumulate);
        }
    }

    /// <summary>
    /// y = W·x (or +=) for one layer matrix: the float32 kernels, or the quantized ones for a quantized
    /// model, which with <paramref name="sameInput"/> (x is the previous product's input) reuse its 8-bit rounding.
    /// </summary>
    private void Multiply(LlamaWeights weights, LlamaMatrix matrix, int layer, ReadOnlySpan<float> x, Span<float> y, bool accumulate = false, bool sameInput = false)
    {
        if (_quantized is null)
        {
            _projection.Multiply(weights.Matrix(matrix, layer), x, y, accumulate);
        }
        else
        {
            _quantized.Multiply(weights.Quantized(matrix, layer)!, x, y, accumulate, sameInput);
        }
    }

    /// <summary>
    /// The products of one normed vector (<c>_normed</c>): Q, K, V or gate, up. A quantized model runs
    /// them in one run of the workers (<see cref="QuantizedProjection"/>), a float32 one product by product.
    /// </summary>
    private void MultiplyShared(LlamaWeights weights, int layer, LlamaMatrix first, Span<float> firstY, LlamaMatrix second, Span<float> secondY, LlamaMatrix? third, Span<float> thirdY)
    {
        if (_quantized is null)
        {
            Multiply(weights, first, layer, _normed, firstY);
            Multiply(weights, second, layer, _normed, secondY);
            if (third is { } matrix)
            {
                Multiply(weights, matrix, layer, _normed, thirdY);
            }

            return;
        }

        _quantized.Multiply(weights.Quantized(first, layer)!, firstY, weights.Quantized(second, layer)!, secondY,
            third is { } last ? weights.Quantized(last, layer)! : null, thirdY, _normed);
    }

    /// <summary>logits = Wcls·x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Classify(LlamaWeights weights)
    {
        if (_quantized is null)
        {
            _projection.Multiply(weights.Classifier, _x, _logits);
        }
        else
        {
            _quantized.Multiply(weights.QuantizedClassifier!, _x, _logits);
        }
    }
}

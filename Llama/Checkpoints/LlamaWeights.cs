using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using KernelGen.Quantization;

namespace KernelGen.Checkpoints;

/// <summary>
/// The parameters of a Llama-family model, held exactly as a llama2.c legacy checkpoint stores them:
/// one float array for the whole payload, each tensor a window into it. Nothing is copied or
/// rearranged after the file is read.
/// </summary>
/// <remarks>
/// <para>A quantized GGUF model is held differently (<see cref="IsQuantized"/>): its matrices stay
/// in their blocks as <see cref="QuantizedMatrix"/> objects (<see cref="Quantized"/>) and only the
/// norm weights are floats; the float accessors of the matrices then throw.</para>
/// Matrices are row-major <c>[out][in]</c> (PyTorch's <c>nn.Linear</c> layout), so
/// <c>y[r] = Σ_c W[r][c]·x[c]</c>. Per-layer tensors are stored layer-major: all layers of one
/// tensor, then the next tensor. The accessors below return one layer's slice.
/// </remarks>
public sealed class LlamaWeights
{
    private readonly float[] _payload;
    private readonly int _length;           // floats of the payload, which starts at _payload[0] or, when read from a file, at a 64-byte boundary
    private readonly int _tokenEmbedding;   // [vocab][dim]
    private readonly int _attentionNorm;    // [layers][dim]
    private readonly int _query;            // [layers][dim][dim]
    private readonly int _key;              // [layers][kv_dim][dim]
    private readonly int _value;            // [layers][kv_dim][dim]
    private readonly int _output;           // [layers][dim][dim]
    private readonly int _feedForwardNorm;  // [layers][dim]
    private readonly int _gate;             // [layers][hidden_dim][dim]   (w1)
    private readonly int _down;             // [layers][dim][hidden_dim]   (w2)
    private readonly int _up;               // [layers][hidden_dim][dim]   (w3)
    private readonly int _finalNorm;        // [dim]
    private readonly int _classifier;       // [vocab][dim]: the token embedding when shared
    private readonly QuantizedMatrix[]? _matrices;       // quantized models: [LlamaMatrix][layer], else null
    private readonly QuantizedMatrix? _embeddingMatrix;  // quantized models: [vocab][dim]
    private readonly QuantizedMatrix? _classifierMatrix; // quantized models: [vocab][dim], the embedding when shared

    /// <summary>
    /// Wraps <paramref name="payload"/>, the floats that follow a checkpoint's header, in file order
    /// (the legacy RoPE tables included, though they are never read). The array is used as it is,
    /// not copied.
    /// </summary>
    /// <param name="shape">The model's shape; its hidden and vocabulary sizes must be set.</param>
    /// <param name="sharedClassifier">True when the classifier is the token embedding (no separate matrix at the end).</param>
    /// <param name="payload">Exactly <see cref="PayloadLength"/> floats.</param>
    /// <exception cref="ArgumentException">The shape is attention-only, or the payload has the wrong length.</exception>
    public LlamaWeights(ModelShape shape, bool sharedClassifier, float[] payload)
        : this(shape, sharedClassifier, payload, 0, exactLength: true)
    {
    }

    /// <summary>Wraps a payload that starts at <paramref name="start"/> in <paramref name="buffer"/> (the checkpoint reader aligns it).</summary>
    internal LlamaWeights(ModelShape shape, bool sharedClassifier, float[] buffer, int start, bool exactLength = false)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(buffer);
        long expected = PayloadLength(shape, sharedClassifier);
        if (exactLength ? buffer.LongLength != expected : buffer.LongLength - start < expected)
        {
            throw new ArgumentException(
                $"A {(sharedClassifier ? "shared" : "separate")}-classifier model of shape ({shape}) needs {expected} floats, but the payload holds {buffer.LongLength - start}.",
                nameof(buffer));
        }

        Shape = shape;
        SharedClassifier = sharedClassifier;
        _payload = buffer;
        _length = (int)expected;
        var tensors = Layout(shape, sharedClassifier);
        _tokenEmbedding = start + (int)tensors[0].Offset;
        _attentionNorm = start + (int)tensors[1].Offset;
        _query = start + (int)tensors[2].Offset;
        _key = start + (int)tensors[3].Offset;
        _value = start + (int)tensors[4].Offset;
        _output = start + (int)tensors[5].Offset;
        _feedForwardNorm = start + (int)tensors[6].Offset;
        _gate = start + (int)tensors[7].Offset;
        _down = start + (int)tensors[8].Offset;
        _up = start + (int)tensors[9].Offset;
        _finalNorm = start + (int)tensors[10].Offset;
        _classifier = sharedClassifier ? _tokenEmbedding : start + (int)tensors[13].Offset;
    }

    /// <summary>
    /// Wraps a quantized model: the norm weights as floats (<c>[layers][dim]</c> before attention,
    /// <c>[layers][dim]</c> before the feed-forward block, <c>[dim]</c> final, in that order) and
    /// every matrix in its stored encoding.
    /// </summary>
    /// <param name="shape">The model's shape.</param>
    /// <param name="norms">The norm weights, <c>(2·layers + 1)·dim</c> floats.</param>
    /// <param name="embedding">The token embedding, <c>[vocab][dim]</c>.</param>
    /// <param name="classifier">The classifier <c>[vocab][dim]</c>, or null when it is the embedding.</param>
    /// <param name="layerMatrices">Per <see cref="LlamaMatrix"/> (in enum order), each layer's matrix.</param>
    /// <exception cref="ArgumentException">A count or a matrix's dimensions do not fit the shape.</exception>
    internal LlamaWeights(ModelShape shape, float[] norms, QuantizedMatrix embedding, QuantizedMatrix? classifier, QuantizedMatrix[] layerMatrices)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(norms);
        ArgumentNullException.ThrowIfNull(embedding);
        ArgumentNullException.ThrowIfNull(layerMatrices);
        if (norms.Length != (2L * shape.Layers + 1) * shape.Dim || layerMatrices.Length != MatrixKinds * shape.Layers)
        {
            throw new ArgumentException($"A model of shape ({shape}) has {(2L * shape.Layers + 1) * shape.Dim} norm weights and {MatrixKinds * shape.Layers} layer matrices; got {norms.Length} and {layerMatrices.Length}.", nameof(norms));
        }

        void Check(QuantizedMatrix matrix, string name, int rows, int columns)
        {
            if (matrix.Rows != rows || matrix.Columns != columns)
            {
                throw new ArgumentException($"{name} is {matrix}, but the shape ({shape}) needs [{rows}][{columns}].", nameof(layerMatrices));
            }
        }

        Check(embedding, "The token embedding", shape.Vocab, shape.Dim);
        if (classifier is not null)
        {
            Check(classifier, "The classifier", shape.Vocab, shape.Dim);
        }

        for (int kind = 0; kind < MatrixKinds; kind++)
        {
            var (rows, columns) = MatrixDimensions(shape, (LlamaMatrix)kind);
            for (int layer = 0; layer < shape.Layers; layer++)
            {
                Check(layerMatrices[kind * shape.Layers + layer], $"{(LlamaMatrix)kind} of layer {layer}", rows, columns);
            }
        }

        Shape = shape;
        SharedClassifier = classifier is null;
        _payload = norms;
        _length = norms.Length;
        _attentionNorm = 0;
        _feedForwardNorm = shape.Layers * shape.Dim;
        _finalNorm = 2 * shape.Layers * shape.Dim;
        _tokenEmbedding = _query = _key = _value = _output = _gate = _down = _up = _classifier = -1;
        _matrices = layerMatrices;
        _embeddingMatrix = embedding;
        _classifierMatrix = classifier ?? embedding;
    }

    /// <summary>Kinds of per-layer matrix (<see cref="LlamaMatrix"/>).</summary>
    internal const int MatrixKinds = 7;

    /// <summary>The model's shape.</summary>
    public ModelShape Shape { get; }

    /// <summary>True when the matrices are held in their quantized encoding (<see cref="Quantized"/>), not as floats.</summary>
    public bool IsQuantized => _matrices is not null;

    /// <summary>For a quantized model, layer <paramref name="layer"/>'s <paramref name="matrix"/>; null for a float32 model.</summary>
    public QuantizedMatrix? Quantized(LlamaMatrix matrix, int layer)
    {
        if (_matrices is null)
        {
            return null;
        }

        CheckLayer(layer);
        return _matrices[(int)matrix * Shape.Layers + layer];
    }

    /// <summary>For a quantized model, the token embedding; null for a float32 model.</summary>
    public QuantizedMatrix? QuantizedEmbedding => _embeddingMatrix;

    /// <summary>For a quantized model, the classifier (the embedding when shared); null for a float32 model.</summary>
    public QuantizedMatrix? QuantizedClassifier => _classifierMatrix;

    /// <summary>Bytes the parameters take in memory: the float payload, or the norms and every quantized matrix.</summary>
    public long ResidentBytes
    {
        get
        {
            long bytes = (long)_length * sizeof(float);
            if (_matrices is not null)
            {
                foreach (var matrix in _matrices)
                {
                    bytes += matrix.ByteLength;
                }

                bytes += _embeddingMatrix!.ByteLength + (SharedClassifier ? 0 : _classifierMatrix!.ByteLength);
            }

            return bytes;
        }
    }

    /// <summary>Copies token <paramref name="token"/>'s embedding row into <paramref name="destination"/> (dequantized for a quantized model).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void CopyEmbedding(int token, Span<float> destination)
    {
        if ((uint)token >= (uint)Shape.Vocab)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token id {token} is outside the vocabulary of {Shape.Vocab}.");
        }

        if (_embeddingMatrix is not null)
        {
            _embeddingMatrix.DequantizeRow(token, destination);
            return;
        }

        TokenEmbedding.Slice(token * Shape.Dim, Shape.Dim).CopyTo(destination);
    }

    /// <summary>Layer <paramref name="layer"/>'s <paramref name="matrix"/> as floats (float32 models only).</summary>
    /// <remarks>Called seven times a layer per token: compiled optimized at its first call (a story is too short for tiering).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<float> Matrix(LlamaMatrix matrix, int layer) => matrix switch
    {
        LlamaMatrix.Query => QueryProjection(layer),
        LlamaMatrix.Key => KeyProjection(layer),
        LlamaMatrix.Value => ValueProjection(layer),
        LlamaMatrix.Output => OutputProjection(layer),
        LlamaMatrix.Gate => GateProjection(layer),
        LlamaMatrix.Down => DownProjection(layer),
        LlamaMatrix.Up => UpProjection(layer),
        _ => throw new ArgumentOutOfRangeException(nameof(matrix), matrix, "Not a per-layer matrix."),
    };

    /// <summary>Rows and columns of a per-layer matrix of <paramref name="shape"/>.</summary>
    internal static (int Rows, int Columns) MatrixDimensions(ModelShape shape, LlamaMatrix matrix) => matrix switch
    {
        LlamaMatrix.Query or LlamaMatrix.Output => (shape.Dim, shape.Dim),
        LlamaMatrix.Key or LlamaMatrix.Value => (shape.KvDim, shape.Dim),
        LlamaMatrix.Gate or LlamaMatrix.Up => (shape.HiddenDim, shape.Dim),
        LlamaMatrix.Down => (shape.Dim, shape.HiddenDim),
        _ => throw new ArgumentOutOfRangeException(nameof(matrix), matrix, "Not a per-layer matrix."),
    };

    /// <summary>True when the classifier is the token embedding.</summary>
    public bool SharedClassifier { get; }

    /// <summary>The whole payload in file order, RoPE tables included.</summary>
    /// <exception cref="InvalidOperationException">The model is quantized.</exception>
    public ReadOnlySpan<float> Payload => _payload.AsSpan(RequireFloat(_tokenEmbedding), _length);

    /// <summary>Token embedding, <c>[vocab][dim]</c>.</summary>
    public ReadOnlySpan<float> TokenEmbedding
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Slice(RequireFloat(_tokenEmbedding), (long)Shape.Vocab * Shape.Dim);
    }

    /// <summary>RMSNorm weight before attention, <c>[dim]</c>.</summary>
    public ReadOnlySpan<float> AttentionNorm(int layer) => Layer(_attentionNorm, layer, Shape.Dim);

    /// <summary>Query projection Wq, <c>[dim][dim]</c> (rows are <c>[heads][head_dim]</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<float> QueryProjection(int layer) => Layer(RequireFloat(_query), layer, Shape.Dim * Shape.Dim);

    /// <summary>Key projection Wk, <c>[kv_dim][dim]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<float> KeyProjection(int layer) => Layer(RequireFloat(_key), layer, Shape.KvDim * Shape.Dim);

    /// <summary>Value projection Wv, <c>[kv_dim][dim]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<float> ValueProjection(int layer) => Layer(RequireFloat(_value), layer, Shape.KvDim * Shape.Dim);

    /// <summary>Attention output projection Wo, <c>[dim][dim]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<float> OutputProjection(int layer) => Layer(RequireFloat(_output), layer, Shape.Dim * Shape.Dim);

    /// <summary>RMSNorm weight before the feed-forward block, <c>[dim]</c>.</summary>
    public ReadOnlySpan<float> FeedForwardNorm(int layer) => Layer(_feedForwardNorm, layer, Shape.Dim);

    /// <summary>SwiGLU gate projection W1, <c>[hidden_dim][dim]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<float> GateProjection(int layer) => Layer(RequireFloat(_gate), layer, Shape.HiddenDim * Shape.Dim);

    /// <summary>Feed-forward down projection W2, <c>[dim][hidden_dim]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<float> DownProjection(int layer) => Layer(RequireFloat(_down), layer, Shape.Dim * Shape.HiddenDim);

    /// <summary>SwiGLU up projection W3, <c>[hidden_dim][dim]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<float> UpProjection(int layer) => Layer(RequireFloat(_up), layer, Shape.HiddenDim * Shape.Dim);

    /// <summary>RMSNorm weight before the classifier, <c>[dim]</c>.</summary>
    public ReadOnlySpan<float> FinalNorm
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Slice(_finalNorm, Shape.Dim);
    }

    /// <summary>Output classifier, <c>[vocab][dim]</c>: the token embedding when <see cref="SharedClassifier"/>.</summary>
    public ReadOnlySpan<float> Classifier
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Slice(RequireFloat(_classifier), (long)Shape.Vocab * Shape.Dim);
    }

    /// <summary>
    /// Floats that follow the header of a checkpoint of <paramref name="shape"/>: every tensor in
    /// file order, the legacy RoPE tables, and the classifier when it is not shared.
    /// </summary>
    public static long PayloadLength(ModelShape shape, bool sharedClassifier)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var tensors = Layout(shape, sharedClassifier);
        return tensors[^1].End;
    }

    /// <summary>
    /// Every tensor of a legacy checkpoint in file order (docs/FORMATS.md §1): 11 parameter tensors,
    /// the two legacy RoPE tables that run.c skips, and the separate classifier when there is one.
    /// Counted in <see cref="long"/>, checked.
    /// </summary>
    /// <exception cref="OverflowException">The sizes do not fit a 64-bit count.</exception>
    internal static List<TensorExtent> Layout(ModelShape shape, bool sharedClassifier)
    {
        if (shape.HiddenDim <= 0 || shape.Vocab <= 0)
        {
            throw new ArgumentException($"A decoder needs a feed-forward width and a vocabulary; shape ({shape}) is attention-only.", nameof(shape));
        }

        long dim = shape.Dim, layers = shape.Layers, kvDim = shape.KvDim, hidden = shape.HiddenDim;
        long vocab = shape.Vocab, seqLen = shape.MaxSeqLen, halfHead = shape.HeadDim / 2;
        var tensors = new List<TensorExtent>(14);
        long offset = 0;
        void Add(string name, string dimensions, long length)
        {
            tensors.Add(new TensorExtent(name, dimensions, offset, length));
            offset = checked(offset + length);
        }

        // Checked: an absurd header (say a billion layers of width a million) must fail, not wrap.
        checked
        {
            Add("token_embedding_table", "[vocab_size][dim]", vocab * dim);
            Add("rms_att_weight", "[n_layers][dim]", layers * dim);
            Add("wq", "[n_layers][dim][dim]", layers * dim * dim);
            Add("wk", "[n_layers][kv_dim][dim]", layers * kvDim * dim);
            Add("wv", "[n_layers][kv_dim][dim]", layers * kvDim * dim);
            Add("wo", "[n_layers][dim][dim]", layers * dim * dim);
            Add("rms_ffn_weight", "[n_layers][dim]", layers * dim);
            Add("w1", "[n_layers][hidden_dim][dim]", layers * hidden * dim);
            Add("w2", "[n_layers][dim][hidden_dim]", layers * dim * hidden);
            Add("w3", "[n_layers][hidden_dim][dim]", layers * hidden * dim);
            Add("rms_final_weight", "[dim]", dim);
            Add("freq_cis_real (legacy, skipped)", "[seq_len][head_size/2]", seqLen * halfHead);
            Add("freq_cis_imag (legacy, skipped)", "[seq_len][head_size/2]", seqLen * halfHead);
            if (!sharedClassifier)
            {
                Add("wcls", "[vocab_size][dim]", vocab * dim);
            }
        }

        return tensors;
    }

    /// <summary>The offset of a matrix in the float payload; a quantized model has none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int RequireFloat(int offset) => offset >= 0 ? offset : ThrowQuantized();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int ThrowQuantized() => throw new InvalidOperationException(
        $"This model's matrices are quantized ({_embeddingMatrix!.Type} token embedding); read them through Quantized(...), QuantizedEmbedding and QuantizedClassifier.");

    private void CheckLayer(int layer)
    {
        if ((uint)layer >= (uint)Shape.Layers)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), $"Layer {layer} is outside this model's {Shape.Layers} layers.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<float> Slice(int offset, long length) => _payload.AsSpan(offset, (int)length);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ReadOnlySpan<float> Layer(int offset, int layer, int perLayer)
    {
        if ((uint)layer >= (uint)Shape.Layers)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), $"Layer {layer} is outside this model's {Shape.Layers} layers.");
        }

        return _payload.AsSpan(offset + layer * perLayer, perLayer);
    }
}

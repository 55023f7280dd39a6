namespace KernelGen.Checkpoints;

/// <summary>
/// The 28-byte header of a llama2.c legacy ("version 0") checkpoint: seven little-endian int32
/// values, in file order, exactly as written. No magic number, no version.
/// </summary>
/// <param name="Dim">Model width (<c>dim</c>).</param>
/// <param name="HiddenDim">Feed-forward width (<c>hidden_dim</c>).</param>
/// <param name="Layers">Transformer blocks (<c>n_layers</c>).</param>
/// <param name="Heads">Query heads (<c>n_heads</c>).</param>
/// <param name="KvHeads">Key/value heads (<c>n_kv_heads</c>).</param>
/// <param name="SignedVocab">
/// <c>vocab_size</c> as stored: positive when the classifier shares the token embedding, negative when
/// a separate classifier follows the other tensors. The vocabulary is its absolute value.
/// </param>
/// <param name="SeqLen">Context length (<c>seq_len</c>).</param>
public readonly record struct CheckpointHeader(int Dim, int HiddenDim, int Layers, int Heads, int KvHeads, int SignedVocab, int SeqLen)
{
    /// <summary>Bytes the header takes at the start of the file.</summary>
    public const int Size = 7 * sizeof(int);

    /// <summary>The first four bytes of the newer llama2.c exports ("ak42" read as a little-endian uint32), which this reader does not read.</summary>
    public const uint VersionedExportMagic = 0x616b3432;

    /// <summary>True when the classifier is the token embedding (a positive <c>vocab_size</c>).</summary>
    public bool SharedClassifier => SignedVocab > 0;

    /// <summary>The vocabulary size, the absolute value of <c>vocab_size</c>.</summary>
    public int Vocab => SignedVocab == int.MinValue ? int.MaxValue : System.Math.Abs(SignedVocab);

    /// <inheritdoc />
    public override string ToString() =>
        $"dim {Dim}, hidden_dim {HiddenDim}, n_layers {Layers}, n_heads {Heads}, n_kv_heads {KvHeads}, vocab_size {SignedVocab}, seq_len {SeqLen}";
}

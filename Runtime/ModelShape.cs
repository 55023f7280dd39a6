using System;
using System.Linq;
using KernelGen.Validation;

namespace KernelGen;

/// <summary>
/// The shape of a decoder-only transformer: what a <see cref="TransformerModelAttribute"/> says at
/// compile time and what a checkpoint header says at run time. Construction checks the same
/// rules the generator reports as KG0001–KG0006.
/// </summary>
public sealed record ModelShape
{
    /// <summary>Creates a shape and checks it.</summary>
    /// <param name="dim">Model width.</param>
    /// <param name="layers">Number of transformer blocks.</param>
    /// <param name="heads">Query heads.</param>
    /// <param name="kvHeads">Key/value heads (equal to <paramref name="heads"/> for MHA, 1 for MQA).</param>
    /// <param name="maxSeqLen">Longest context the KV cache holds.</param>
    /// <param name="hiddenDim">Feed-forward width, or 0 when the shape is attention-only.</param>
    /// <param name="vocab">Vocabulary size, or 0 when the shape is attention-only.</param>
    /// <exception cref="ModelShapeException">The shape breaks a rule; the message names the field and value.</exception>
    public ModelShape(int dim, int layers, int heads, int kvHeads, int maxSeqLen, int hiddenDim = 0, int vocab = 0)
    {
        var violations = ShapeRules.Check(
            dim, layers, heads, kvHeads, hiddenDim, vocab, maxSeqLen,
            kvHeadsSet: true, hiddenDimSet: hiddenDim != 0, vocabSet: vocab != 0);
        if (violations.Count > 0)
        {
            throw new ModelShapeException(violations[0].Id, violations[0].Field,
                "Invalid model shape: " + string.Join("; ", violations.Select(v => v.Message + " [" + v.Id + "]")) + ".");
        }

        Dim = dim;
        Layers = layers;
        Heads = heads;
        KvHeads = kvHeads;
        MaxSeqLen = maxSeqLen;
        HiddenDim = hiddenDim;
        Vocab = vocab;
    }

    /// <summary>Model width.</summary>
    public int Dim { get; }

    /// <summary>Number of transformer blocks.</summary>
    public int Layers { get; }

    /// <summary>Query heads.</summary>
    public int Heads { get; }

    /// <summary>Key/value heads.</summary>
    public int KvHeads { get; }

    /// <summary>Longest context the KV cache holds.</summary>
    public int MaxSeqLen { get; }

    /// <summary>Feed-forward width; 0 for an attention-only shape.</summary>
    public int HiddenDim { get; }

    /// <summary>Vocabulary size; 0 for an attention-only shape.</summary>
    public int Vocab { get; }

    /// <summary>Dimensions per head, <c>Dim / Heads</c>.</summary>
    public int HeadDim => Dim / Heads;

    /// <summary>Query heads served by one key/value head, <c>Heads / KvHeads</c>.</summary>
    public int GroupSize => Heads / KvHeads;

    /// <summary>Width of one token's keys (or values) across all KV heads, <c>KvHeads * HeadDim</c>.</summary>
    public int KvDim => KvHeads * HeadDim;

    /// <summary>"MHA", "MQA" or "GQA", from the head grouping.</summary>
    public string AttentionKind => KvHeads == Heads ? "MHA" : KvHeads == 1 ? "MQA" : "GQA";

    /// <summary>
    /// True when <paramref name="other"/> can run on kernels compiled for this shape: the attention
    /// geometry matches and every size this shape states (hidden, vocab) is the same. A shorter
    /// context fits a longer compiled one.
    /// </summary>
    public bool Accepts(ModelShape other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Dim == other.Dim && Layers == other.Layers && Heads == other.Heads && KvHeads == other.KvHeads
            && other.MaxSeqLen <= MaxSeqLen
            && (HiddenDim == 0 || HiddenDim == other.HiddenDim)
            && (Vocab == 0 || Vocab == other.Vocab);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"dim {Dim}, {Layers} layers, {Heads} heads / {KvHeads} KV heads ({AttentionKind}, head_dim {HeadDim}), " +
        $"hidden {HiddenDim}, vocab {Vocab}, max_seq_len {MaxSeqLen}";
}

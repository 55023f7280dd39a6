namespace KernelGen.Checkpoints;

/// <summary>
/// One parameter tensor of a Llama-family model under its names in each format, with its place in
/// the llama2.c payload that <see cref="LlamaWeights"/> holds.
/// </summary>
/// <param name="Llama2CName">llama2.c's name, for example <c>wq</c>.</param>
/// <param name="GgufName">GGUF's name; <c>{0}</c> stands for the layer: <c>blk.{0}.attn_q.weight</c>.</param>
/// <param name="HuggingFaceName">Hugging Face's name: <c>model.layers.{0}.self_attn.q_proj.weight</c>.</param>
/// <param name="Offset">First float in the payload (layer 0's, for a per-layer tensor).</param>
/// <param name="PerLayer">True when every layer has one, stored layer after layer.</param>
/// <param name="Rows">Rows (output features); 1 for a vector.</param>
/// <param name="Columns">Columns (input features), or the vector's length.</param>
/// <param name="RopeHeads">For Wq and Wk, the heads whose rows rotary embedding pairs up; 0 for every other tensor.</param>
internal sealed record LlamaTensor(string Llama2CName, string GgufName, string HuggingFaceName, long Offset, bool PerLayer, int Rows, int Columns, int RopeHeads)
{
    /// <summary>Floats of one layer's tensor.</summary>
    public int Length => Rows * Columns;

    /// <summary>True for a one-dimensional tensor (a norm weight).</summary>
    public bool IsVector => Rows == 1;

    /// <summary>The GGUF name for <paramref name="layer"/>.</summary>
    public string Gguf(int layer) => PerLayer ? string.Format(System.Globalization.CultureInfo.InvariantCulture, GgufName, layer) : GgufName;

    /// <summary>The Hugging Face name for <paramref name="layer"/>.</summary>
    public string HuggingFace(int layer) => PerLayer ? string.Format(System.Globalization.CultureInfo.InvariantCulture, HuggingFaceName, layer) : HuggingFaceName;

    /// <summary>Where <paramref name="layer"/>'s tensor starts in the payload.</summary>
    public long OffsetOf(int layer) => Offset + (long)layer * Length;
}

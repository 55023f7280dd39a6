namespace KernelGen.Decoding;

/// <summary>Which elements of a head form the pairs that rotary position embedding rotates together.</summary>
/// <remarks>
/// Both rotate pair m by <c>pos · θ^(−2m/head_dim)</c>; they differ only in where the pair's two
/// elements sit. A checkpoint's format decides it: Meta's original weights, llama2.c and GGUF (whose
/// converters permute Hugging Face's Q and K rows back) are interleaved; Hugging Face checkpoints
/// are rotate-half.
/// </remarks>
public enum RopeLayout
{
    /// <summary>Pairs (2m, 2m+1): Meta's original layout, llama2.c's <c>run.c</c> and llama.cpp's "norm" mode.</summary>
    Interleaved,

    /// <summary>Pairs (m, m + head_dim/2): Hugging Face's <c>rotate_half</c> (GPT-NeoX style, llama.cpp's "neox" mode).</summary>
    RotateHalf,
}

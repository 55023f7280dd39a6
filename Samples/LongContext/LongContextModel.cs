using KernelGen;

namespace KernelGen.Samples.LongContext;

/// <summary>
/// A long-context model whose layers alternate dense and sparse attention, as GPT-3 alternated dense
/// and banded layers: multi-query attention (8 query heads, one KV head, head_dim 64), a 16K
/// context, Sparse Transformer strided attention on the odd layers, fixed attention on layers 2 and 6.
/// </summary>
[TransformerModel(Dim = 512, Layers = 8, Heads = 8, KvHeads = 1, MaxSeqLen = 16384)]
[SparseAttention(SparsePattern.Strided, Stride = 128, Layers = "1,3,5,7")]
[SparseAttention(SparsePattern.Fixed, BlockLength = 128, Summary = 16, Layers = "2,6")]
public partial class LongContextModel;

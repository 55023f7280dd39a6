using KernelGen;

// Shapes whose decode takes the two-pass softmax (head_dim ≤ 16): head_dim 16 (two Vector256 per
// key) and 12 (Vector128 steps) next to TestModels' 8 and 6; a group of 32 whose chunk is 128 keys,
// so contexts up to 300 cross chunk boundaries; a long MQA context that splits its keys between
// workers; and the patterns whose segments are strided, windowed or many.
namespace KernelGen.Runtime.Tests.Models;

[TransformerModel(Dim = 128, Layers = 2, Heads = 8, KvHeads = 8, MaxSeqLen = 320)] public partial class MhaHeadDim16;
[TransformerModel(Dim = 128, Layers = 2, Heads = 8, KvHeads = 2, MaxSeqLen = 320)] public partial class GqaHeadDim16;
[TransformerModel(Dim = 128, Layers = 2, Heads = 8, KvHeads = 1, MaxSeqLen = 320)] public partial class MqaHeadDim16;
[TransformerModel(Dim = 48, Layers = 1, Heads = 4, KvHeads = 2, MaxSeqLen = 320)] public partial class GqaHeadDim12;
[TransformerModel(Dim = 256, Layers = 1, Heads = 32, KvHeads = 1, MaxSeqLen = 320)] public partial class MqaHeadDim8Group32;
[TransformerModel(Dim = 128, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 2200)] public partial class MqaHeadDim16Long;

[TransformerModel(Dim = 64, Layers = 2, Heads = 8, KvHeads = 2, MaxSeqLen = 300)]
[SparseAttention(SparsePattern.Strided, Stride = 13, Layers = "0")]
[SparseAttention(SparsePattern.Strided, Stride = 16, SplitHeads = true, Layers = "1")]
public partial class GqaStridedHeadDim8;

[TransformerModel(Dim = 128, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 300)]
[SparseAttention(SparsePattern.Strided, Stride = 7, SplitHeads = true)]
public partial class MqaStridedHeadDim16;

[TransformerModel(Dim = 128, Layers = 1, Heads = 8, KvHeads = 4, MaxSeqLen = 300)]
[SparseAttention(SparsePattern.SlidingWindow, Window = 37)]
public partial class GqaWindowHeadDim16;

// Blocks of 8 with summary columns: a query near the end sees ~40 segments, more runs than a chunk collects at once.
[TransformerModel(Dim = 128, Layers = 1, Heads = 8, KvHeads = 2, MaxSeqLen = 300)]
[SparseAttention(SparsePattern.Fixed, BlockLength = 8, Summary = 2)]
public partial class GqaFixedHeadDim16;

using KernelGen;

// The shapes the numeric tests compile kernels for: MHA, GQA and MQA at head_dim 8, 40, 64, 80
// and 128. 40 and 80 are not multiples of 32 floats, so the Vector512 path needs a narrower
// vector at the end; 8 is narrower than a Vector512 altogether.
namespace KernelGen.Runtime.Tests.Models;

[TransformerModel(Dim = 64, Layers = 2, Heads = 8, KvHeads = 8, MaxSeqLen = 320)] public partial class MhaHeadDim8;
[TransformerModel(Dim = 64, Layers = 2, Heads = 8, KvHeads = 2, MaxSeqLen = 320)] public partial class GqaHeadDim8;
[TransformerModel(Dim = 64, Layers = 2, Heads = 8, KvHeads = 1, MaxSeqLen = 320)] public partial class MqaHeadDim8;

[TransformerModel(Dim = 320, Layers = 2, Heads = 8, KvHeads = 8, MaxSeqLen = 320)] public partial class MhaHeadDim40;
[TransformerModel(Dim = 320, Layers = 2, Heads = 8, KvHeads = 4, MaxSeqLen = 320)] public partial class GqaHeadDim40;
[TransformerModel(Dim = 320, Layers = 2, Heads = 8, KvHeads = 1, MaxSeqLen = 320)] public partial class MqaHeadDim40;

[TransformerModel(Dim = 512, Layers = 2, Heads = 8, KvHeads = 8, MaxSeqLen = 320)] public partial class MhaHeadDim64;
[TransformerModel(Dim = 512, Layers = 2, Heads = 8, KvHeads = 2, MaxSeqLen = 320)] public partial class GqaHeadDim64;
[TransformerModel(Dim = 512, Layers = 2, Heads = 8, KvHeads = 1, MaxSeqLen = 320)] public partial class MqaHeadDim64;

[TransformerModel(Dim = 640, Layers = 2, Heads = 8, KvHeads = 8, MaxSeqLen = 320)] public partial class MhaHeadDim80;
[TransformerModel(Dim = 640, Layers = 2, Heads = 8, KvHeads = 2, MaxSeqLen = 320)] public partial class GqaHeadDim80;
[TransformerModel(Dim = 640, Layers = 2, Heads = 8, KvHeads = 1, MaxSeqLen = 320)] public partial class MqaHeadDim80;

[TransformerModel(Dim = 1024, Layers = 2, Heads = 8, KvHeads = 8, MaxSeqLen = 320)] public partial class MhaHeadDim128;
[TransformerModel(Dim = 1024, Layers = 2, Heads = 8, KvHeads = 4, MaxSeqLen = 320)] public partial class GqaHeadDim128;
[TransformerModel(Dim = 1024, Layers = 2, Heads = 8, KvHeads = 1, MaxSeqLen = 320)] public partial class MqaHeadDim128;

// head_dim 96 and 6: a Vector256 remainder and a scalar tail on the Vector128 path.
[TransformerModel(Dim = 384, Layers = 1, Heads = 4, KvHeads = 2, MaxSeqLen = 320)] public partial class GqaHeadDim96;
[TransformerModel(Dim = 24, Layers = 1, Heads = 4, KvHeads = 1, MaxSeqLen = 320)] public partial class MqaHeadDim6;

// 32 query heads on one KV head: decode's 32 rows per call are what the packed GEMM is for.
[TransformerModel(Dim = 2048, Layers = 1, Heads = 32, KvHeads = 1, MaxSeqLen = 320)] public partial class MqaHeadDim64x32;

// Sparse models: every pattern, on MHA, GQA and MQA shapes; patterns differ per layer.
[TransformerModel(Dim = 64, Layers = 2, Heads = 8, MaxSeqLen = 300)]
[SparseAttention(SparsePattern.SlidingWindow, Window = 37, Layers = "0")]
public partial class MhaWindow;

[TransformerModel(Dim = 320, Layers = 2, Heads = 8, KvHeads = 2, MaxSeqLen = 300)]
[SparseAttention(SparsePattern.Strided, Stride = 13, Layers = "0")]
[SparseAttention(SparsePattern.Strided, Stride = 16, SplitHeads = true, Layers = "1")]
public partial class GqaStrided;

[TransformerModel(Dim = 512, Layers = 2, Heads = 8, KvHeads = 1, MaxSeqLen = 300)]
[SparseAttention(SparsePattern.Strided, Stride = 16, SplitHeads = true)]
public partial class MqaStridedSplit;

[TransformerModel(Dim = 512, Layers = 2, Heads = 8, KvHeads = 1, MaxSeqLen = 300)]
[SparseAttention(SparsePattern.Fixed, BlockLength = 20, Summary = 3, Layers = "0")]
[SparseAttention(SparsePattern.Fixed, BlockLength = 24, Summary = 4, PerHeadSummary = true, Layers = "1")]
public partial class MqaFixed;

[TransformerModel(Dim = 320, Layers = 2, Heads = 8, KvHeads = 2, MaxSeqLen = 300)]
[SparseAttention(SparsePattern.Global, GlobalTokens = 3, Window = 29)]
public partial class GqaGlobal;

[TransformerModel(Dim = 64, Layers = 2, Heads = 8, KvHeads = 4, MaxSeqLen = 300)]
[SparseAttention(SparsePattern.BigBird, BlockSize = 16, WindowBlocks = 3, GlobalBlocks = 1, RandomBlocks = 2, Seed = 7, Layers = "1")]
public partial class GqaBigBird;

[TransformerModel(Dim = 320, Layers = 2, Heads = 8, KvHeads = 2, MaxSeqLen = 300)]
[SparseAttention(SparsePattern.Layout, LayoutFile = "Layouts/shared.layout", Layers = "0")]
[SparseAttention(SparsePattern.Layout, LayoutFile = "Layouts/per-head.layout", BlockSize = 25, Layers = "1")]
public partial class GqaLayout;

// Published forms: the Sparse Transformer paper's split strided heads (A(1) holds l + 1 keys) and
// openai/DeepSpeed's Fixed with P summary patterns; DeepSpeed's BigBird and BSLongformer.
[TransformerModel(Dim = 320, Layers = 2, Heads = 8, KvHeads = 2, MaxSeqLen = 300)]
[SparseAttention(SparsePattern.Strided, Stride = 16, SplitHeads = true, LocalWindow = 17, Layers = "0")]
[SparseAttention(SparsePattern.Fixed, BlockLength = 24, Summary = 4, SummaryPatterns = 3, Layers = "1")]
public partial class GqaPaperForms;

[TransformerModel(Dim = 64, Layers = 2, Heads = 8, KvHeads = 2, MaxSeqLen = 300)]
[SparseAttention(SparsePattern.BigBird, BlockSize = 16, SlidingWindowBlocks = 5, GlobalBlockIndices = "0,7", RandomBlocks = 1, Seed = 3,
    DifferentLayoutPerHead = true, RandomAmongAllBlocks = true, Layers = "0")]
[SparseAttention(SparsePattern.BigBird, BlockSize = 10, SlidingWindowBlocks = 3, GlobalBlockIndices = "2-3,20", Layers = "1")]
public partial class GqaDeepSpeedForms;

// DeepSpeed's unidirectional Fixed layout with two global blocks, imported by layout-import with
// --drop-above-diagonal (LayoutImportTests checks the file is that import).
[TransformerModel(Dim = 64, Layers = 1, Heads = 8, KvHeads = 2, MaxSeqLen = 300)]
[SparseAttention(SparsePattern.Layout, LayoutFile = "Layouts/deepspeed-fixed.layout")]
public partial class GqaDeepSpeedLayout;

// Query-aware block selection (Quest): GQA on one layer beside a dense one, MQA on every layer with no sinks.
[TransformerModel(Dim = 320, Layers = 2, Heads = 8, KvHeads = 2, MaxSeqLen = 300)]
[SparseAttention(SparsePattern.QueryAware, BlockSize = 16, TokenBudget = 100, GlobalTokens = 3, Window = 32, Layers = "0")]
public partial class GqaQueryAware;

[TransformerModel(Dim = 512, Layers = 2, Heads = 8, KvHeads = 1, MaxSeqLen = 300)]
[SparseAttention(SparsePattern.QueryAware, BlockSize = 8, TokenBudget = 60, Window = 16)]
public partial class MqaQueryAware;

// Every layer windowed (with sinks): the cache is a ring, so decoding runs past MaxSeqLen.
[TransformerModel(Dim = 64, Layers = 2, Heads = 8, KvHeads = 2, MaxSeqLen = 256)]
[SparseAttention(SparsePattern.Global, GlobalTokens = 4, Window = 48)]
public partial class RollingSinks;
